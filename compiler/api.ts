/**
 * The programmatic API: check and compile specs, and load one as a runnable protocol.
 *
 * ```ts
 * import { checkFiles, loadProtocol } from 'replica-io';
 * const files = [{ id: 'specs/bracha-broadcast.rio', text }];
 * checkFiles(files).diagnostics;                 // [] for a clean spec
 * const { module } = await loadProtocol(files);  // a ProtocolModule for Replica, World, simulate
 * ```
 */
export { checkFiles, compileFiles, type CheckResult, type CompileResult } from './pipeline.js';
export { loadProtocol, SpecHasErrors, type LoadedSpec } from './load/index.js';
export { renderDiagnostics, diagnosticsToJson } from './diagnostics/render.js';
export type { Diagnostic } from './diagnostics/diagnostic.js';
export type { SourceFile, Span } from './ast/span.js';
export { simulate, type SimResult } from '../runtime/sim/simulate.js';
export { explore, type ExploreResult } from '../runtime/check/explore.js';
export { World } from '../runtime/world/world.js';
