/**
 * Chevrotain, loaded from the single-file bundle its package ships (lib/chevrotain.min.mjs)
 * rather than from its module tree. Same package, same version; but the module tree is
 * some 300 files and costs ~240 ms to load on this machine against ~8 ms for the bundle,
 * which alone would break the 0.5 s cold-start budget of `rio check` (bench/frontend).
 */
import type * as Chevrotain from 'chevrotain';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.min.mjs')).href)) as typeof Chevrotain;

export const { createToken, createTokenInstance, CstParser, Lexer } = bundle;
export type { CstElement, CstNode, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
