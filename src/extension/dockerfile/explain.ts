/** `berth.dockerfile.explainRule`: a rule's explanation as a Markdown preview, from the rule table. */
import * as vscode from 'vscode';
import { allRules, ruleByCode } from '../../runtime/build/lint/lint';

export function ruleMarkdown(code: string): string | undefined {
  const rule = ruleByCode(code);
  if (!rule) return undefined;
  const origin = rule.origin === 'buildkit' ? 'a BuildKit build check' : rule.origin === 'syntax' ? 'a syntax error' : `a Berth rule${rule.hadolint ? ` (hadolint ${rule.hadolint})` : ''}`;
  const ignore = rule.origin === 'buildkit' ? `\`# check=skip=${rule.code}\` at the top of the file, or ` : '';
  return [
    `# ${rule.code}`,
    `*${rule.description}*`,
    rule.explanation,
    `Default severity: **${rule.severity}**; ${origin}.`,
    `To silence it: ${ignore}\`# berth-ignore: ${rule.code}\` above the instruction, or \`"berth.dockerfile.rules": { "${rule.code}": "off" }\` in settings.`,
    ...(rule.url ? [`[Documentation](${rule.url})`] : []),
  ].join('\n\n');
}

export async function explainRule(code?: string): Promise<void> {
  const chosen = code ?? (await vscode.window.showQuickPick(allRules.map((r) => ({ label: r.code, description: r.description })), { placeHolder: 'Explain which rule?' }))?.label;
  const markdown = chosen && ruleMarkdown(chosen);
  if (!markdown) return;
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.commands.executeCommand('markdown.showPreview', document.uri);
}
