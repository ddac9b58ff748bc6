// What the API answers a request it refuses as invalid (a bad field, an unknown name): OpenAI's 400
// invalid_request_error, with edgeclass's kind in `code`.
export const INVALID_REQUEST = { status: 400, type: 'invalid_request_error', code: 'invalid_request' } as const;
