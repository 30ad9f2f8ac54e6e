// Writes schemas/openapi.json, the OpenAPI 3.1 description of the v2 API, from the document
// src/local/openapi/document.ts builds (run after `npm run build`; a test checks the file is current).
import { writeFileSync } from 'node:fs';
import { OPENAPI_DOCUMENT } from '../dist/local/openapi/document.js';

writeFileSync(new URL('../schemas/openapi.json', import.meta.url), `${JSON.stringify(OPENAPI_DOCUMENT, null, 2)}\n`);
