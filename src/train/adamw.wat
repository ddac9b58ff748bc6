;; AdamW's update over one chunk of a parameter, four floats at a time (WebAssembly SIMD), in place.
;; src/train/adamw.ts copies a chunk of each array into the four slots below, calls $adamw, copies m, v and p back.
;; A slot is 16,384 floats (64 KiB): the four fit in L2, so the copies cost little next to the one pass over memory.
;;
;; Per float, the float32 operations of PyTorch 1.13's single-tensor AdamW, in its order (each rounded, no FMA):
;;   g = g * clip                      (clip_grad_norm_'s scale; 1 without clipping)
;;   m = m * b1 + g * c1               (c1 = 1 - b1)
;;   v = v * b2 + (g * g) * c2         (c2 = 1 - b2)
;;   p = p * decay - (m / (sqrt(v) / bc2 + eps)) * step_size
;;     (decay = 1 - lr * wd, or 1 for a parameter that does not decay; bc2 = sqrt(1 - b2^t); step_size = lr / (1 - b1^t))
(module
  (memory (export "memory") 4) ;; 4 x 64 KiB pages: the four slots
  (global (export "slotFloats") i32 (i32.const 16384))

  ;; Slot byte offsets: g at 0, m at 65536, v at 131072, p at 196608 (the `offset=` immediates below).
  (func (export "adamw")
    (param $n i32) ;; floats in each slot, at most 16384
    (param $clip f32) (param $decay f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $stepSize f32) (param $bc2 f32) (param $eps f32)
    (local $at i32) (local $vectorEnd i32) (local $end i32)
    (local $g v128) (local $m v128) (local $v v128)
    (local $clip4 v128) (local $decay4 v128) (local $b14 v128) (local $c14 v128) (local $b24 v128) (local $c24 v128)
    (local $stepSize4 v128) (local $bc24 v128) (local $eps4 v128)
    (local.set $clip4 (f32x4.splat (local.get $clip)))
    (local.set $decay4 (f32x4.splat (local.get $decay)))
    (local.set $b14 (f32x4.splat (local.get $b1)))
    (local.set $c14 (f32x4.splat (local.get $c1)))
    (local.set $b24 (f32x4.splat (local.get $b2)))
    (local.set $c24 (f32x4.splat (local.get $c2)))
    (local.set $stepSize4 (f32x4.splat (local.get $stepSize)))
    (local.set $bc24 (f32x4.splat (local.get $bc2)))
    (local.set $eps4 (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $at) (local.get $vectorEnd)))
        (local.set $g (f32x4.mul (v128.load (local.get $at)) (local.get $clip4)))
        (local.set $m
          (f32x4.add
            (f32x4.mul (v128.load offset=65536 (local.get $at)) (local.get $b14))
            (f32x4.mul (local.get $g) (local.get $c14))))
        (local.set $v
          (f32x4.add
            (f32x4.mul (v128.load offset=131072 (local.get $at)) (local.get $b24))
            (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (local.get $c24))))
        (v128.store offset=65536 (local.get $at) (local.get $m))
        (v128.store offset=131072 (local.get $at) (local.get $v))
        (v128.store offset=196608 (local.get $at)
          (f32x4.sub
            (f32x4.mul (v128.load offset=196608 (local.get $at)) (local.get $decay4))
            (f32x4.mul
              (f32x4.div
                (local.get $m)
                (f32x4.add
                  (f32x4.div (f32x4.sqrt (local.get $v)) (local.get $bc24))
                  (local.get $eps4)))
              (local.get $stepSize4))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $vectors)))
    ;; The last n mod 4 floats: the same operations, one float at a time.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $at) (local.get $end)))
        (call $one (local.get $at) (local.get $clip) (local.get $decay) (local.get $b1) (local.get $c1) (local.get $b2)
          (local.get $c2) (local.get $stepSize) (local.get $bc2) (local.get $eps))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $tail))))

  (func $one
    (param $at i32)
    (param $clip f32) (param $decay f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $stepSize f32) (param $bc2 f32) (param $eps f32)
    (local $g f32) (local $m f32) (local $v f32)
    (local.set $g (f32.mul (f32.load (local.get $at)) (local.get $clip)))
    (local.set $m
      (f32.add
        (f32.mul (f32.load offset=65536 (local.get $at)) (local.get $b1))
        (f32.mul (local.get $g) (local.get $c1))))
    (local.set $v
      (f32.add
        (f32.mul (f32.load offset=131072 (local.get $at)) (local.get $b2))
        (f32.mul (f32.mul (local.get $g) (local.get $g)) (local.get $c2))))
    (f32.store offset=65536 (local.get $at) (local.get $m))
    (f32.store offset=131072 (local.get $at) (local.get $v))
    (f32.store offset=196608 (local.get $at)
      (f32.sub
        (f32.mul (f32.load offset=196608 (local.get $at)) (local.get $decay))
        (f32.mul
          (f32.div
            (local.get $m)
            (f32.add (f32.div (f32.sqrt (local.get $v)) (local.get $bc2)) (local.get $eps)))
          (local.get $stepSize))))))
