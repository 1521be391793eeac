// Wires the recorder commands and the trace editor into the extension (one call from activate).
import * as vscode from 'vscode';
import type { DisposableStore } from '../dispose';
import type { HelperSession } from '../helperSession';
import { START_RECORDING, STOP_RECORDING, TraceRecording } from './recording';
import { TraceEditorProvider } from './traceEditor';

/** What the test suite reads: the recording and the open trace editors. */
export interface TraceApi {
  recording: TraceRecording;
  editors: TraceEditorProvider;
}

export function registerTraceFeatures(
  context: vscode.ExtensionContext,
  session: HelperSession,
  log: vscode.LogOutputChannel,
  store: DisposableStore,
): TraceApi {
  const recording = store.add(new TraceRecording(session, log));
  const { provider, disposable } = TraceEditorProvider.register(context, log);
  store.add(disposable);
  // A Uri argument records there without asking (scripts, tests); from the palette a save dialog asks.
  store.add(
    vscode.commands.registerCommand(START_RECORDING, (target?: unknown) =>
      recording.start(target instanceof vscode.Uri ? target : undefined).catch((err: Error) => {
        void vscode.window.showErrorMessage(`Could not start recording: ${err.message}`);
        return undefined;
      }),
    ),
  );
  store.add(vscode.commands.registerCommand(STOP_RECORDING, () => recording.stop()));
  return { recording, editors: provider };
}
