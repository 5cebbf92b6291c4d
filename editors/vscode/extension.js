// The Dana extension: starts the language server (`dana lsp`) for .na files and adds the
// "Dana: Run file" command, which runs the current file with `dana run` in a terminal.
// Plain JavaScript, no build step: `npm install` fetches the language client.
"use strict";

const vscode = require("vscode");

let client;

function danaPath() {
  return vscode.workspace.getConfiguration("dana").get("path") || "dana";
}

// Quotes one argument for the terminal's shell: PowerShell doubles a quote inside '…', POSIX
// shells close, escape and reopen.
function quoteFor(arg) {
  const text = String(arg);
  if (process.platform === "win32") {
    return "'" + text.replace(/'/g, "''") + "'";
  }
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

async function runFile() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "dana") {
    vscode.window.showErrorMessage("Dana: Run file needs an open .na file.");
    return;
  }
  const doc = editor.document;
  if (doc.isUntitled) {
    vscode.window.showErrorMessage("Dana: save the file before running it.");
    return;
  }
  if (doc.isDirty) {
    await doc.save();
  }
  let terminal = vscode.window.terminals.find((t) => t.name === "Dana");
  if (!terminal) {
    terminal = vscode.window.createTerminal({ name: "Dana" });
  }
  terminal.show(true);
  // PowerShell runs a quoted program name only after its call operator.
  const call = process.platform === "win32" ? "& " : "";
  terminal.sendText(`${call}${quoteFor(danaPath())} run ${quoteFor(doc.fileName)}`);
}

function startServer(context) {
  if (!vscode.workspace.getConfiguration("dana").get("server.enable", true)) {
    return;
  }
  let lc;
  try {
    lc = require("vscode-languageclient/node");
  } catch (e) {
    vscode.window.showWarningMessage(
      "Dana: the language client is not installed (run `npm install` in the extension's folder); highlighting and Run file still work."
    );
    return;
  }
  const serverOptions = { command: danaPath(), args: ["lsp"], transport: lc.TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "dana" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.na") },
  };
  client = new lc.LanguageClient("dana", "Dana language server", serverOptions, clientOptions);
  client.start().catch((e) => {
    vscode.window.showWarningMessage(`Dana: could not start \`${danaPath()} lsp\`: ${e.message || e}`);
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand("dana.runFile", runFile));
  startServer(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
