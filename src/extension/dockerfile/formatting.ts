/** Document formatting (format.ts): instructions at column 0, continuation lines indented, no trailing blanks. */
import * as vscode from 'vscode';
import { analyze, toEdit } from './analysis';
import { formatEdits } from './format';

export class DockerfileFormatting implements vscode.DocumentFormattingEditProvider {
  provideDocumentFormattingEdits(document: vscode.TextDocument, options: vscode.FormattingOptions): vscode.TextEdit[] {
    const { model, lines } = analyze(document);
    const indent = options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
    return formatEdits(model, lines, indent).map(toEdit);
  }
}
