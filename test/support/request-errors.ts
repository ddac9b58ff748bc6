// What the API answers a request it refuses as invalid (a bad field, an unknown name): one place to change when
// that answer changes (the openai branch moves it from 422 to OpenAI's 400 invalid_request_error).
export const INVALID_REQUEST = { status: 422, type: 'invalid_request_error' } as const;
