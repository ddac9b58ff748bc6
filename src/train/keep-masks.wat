;; Dropout keep-masks, 16 bytes at a time (WebAssembly SIMD): the bytes src/train/rng.ts keepMasks draws, the same
;; generator (mulberry32) computed for eight consecutive states at once. mulberry32's k-th output after state a is a
;; hash of a + k * 0x6d2b79f5, so the states need no sequence: four per vector, two vectors per 16 bytes.
;; Each 32-bit output gives two mask bytes: its low 16 bits, then its high 16 bits, 1 where they are >= threshold.
;; Read as eight 16-bit lanes, an output vector is those halves in mask order (little-endian), so one unsigned compare
;; and one narrowing make the bytes.
(module
  (memory (export "memory") 1) ;; one 64 KiB page: the bytes of one call
  (global (export "chunkPairs") i32 (i32.const 32768)) ;; outputs (byte pairs) per call at most

  ;; mulberry32's output for each lane's state.
  (func $hash (param $a v128) (result v128)
    (local $t v128)
    (local.set $t
      (i32x4.mul
        (v128.xor (local.get $a) (i32x4.shr_u (local.get $a) (i32.const 15)))
        (v128.or (local.get $a) (i32x4.splat (i32.const 1)))))
    (local.set $t
      (v128.xor
        (local.get $t)
        (i32x4.add
          (local.get $t)
          (i32x4.mul
            (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 7)))
            (v128.or (local.get $t) (i32x4.splat (i32.const 61)))))))
    (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 14))))

  ;; 2 * pairs bytes at offset 0 from the pairs outputs that follow state $a; pairs a multiple of 8.
  (func (export "fill") (param $a i32) (param $pairs i32) (param $threshold i32)
    (local $low v128) (local $high v128) (local $step v128) (local $limit v128) (local $one v128)
    (local $at i32) (local $end i32)
    ;; States a + k * 0x6d2b79f5, k = 1..4 in $low and 5..8 in $high.
    (local.set $low
      (i32x4.add
        (i32x4.splat (local.get $a))
        (v128.const i32x4 0x6d2b79f5 0xda56f3ea 0x47826ddf 0xb4ade7d4)))
    (local.set $high (i32x4.add (local.get $low) (i32x4.splat (i32.const 0xb4ade7d4))))
    (local.set $step (i32x4.splat (i32.const 0x695bcfa8))) ;; 8 * 0x6d2b79f5 mod 2^32
    (local.set $limit (i16x8.splat (local.get $threshold)))
    (local.set $one (i16x8.splat (i32.const 1)))
    (local.set $end (i32.shl (local.get $pairs) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (v128.store (local.get $at)
          (i8x16.narrow_i16x8_u
            (v128.and (i16x8.ge_u (call $hash (local.get $low)) (local.get $limit)) (local.get $one))
            (v128.and (i16x8.ge_u (call $hash (local.get $high)) (local.get $limit)) (local.get $one))))
        (local.set $low (i32x4.add (local.get $low) (local.get $step)))
        (local.set $high (i32x4.add (local.get $high) (local.get $step)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))))
