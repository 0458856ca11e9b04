/**
 * jsdom's window lacks a few globals Node has and the library uses (TextDecoder for byte
 * configs). Import this first in a jsdom test, before 'rx-lifecycle'.
 */
import { TextDecoder, TextEncoder } from 'node:util';

const g = globalThis as Record<string, unknown>;
g['TextDecoder'] ??= TextDecoder;
g['TextEncoder'] ??= TextEncoder;
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
