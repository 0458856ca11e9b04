/**
 * Keeps bench/remote.ts from rotting: runs it in its quick mode (a 5,000-service snapshot, 500
 * changes with 0, 1 and 10 clients, one slow client) and checks that every row is there.
 * The figures themselves are not checked: they depend on the machine.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

describe('bench/remote.ts --quick', () => {
  it('should print a row for every scenario', () => {
    const root = path.join(__dirname, '../..');
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const out = execFileSync(process.execPath, [tsx, 'bench/remote.ts', '--quick'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const rows = out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Scenario'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      '| snapshot of 5,000 services, raw stream',
      '| snapshot of 5,000 services into a RemoteServiceMap',
      expect.stringMatching(/^\| server while streaming both/),
      '| 500 changes, 0 watching clients',
      '| 500 changes, 1 watching client',
      '| 500 changes, 10 watching clients',
      expect.stringMatching(/^\| slow client/),
      '| the same client back with Last-Event-ID',
    ]);
    expect(out).toContain('resumed from the journal');
  }, 150_000);
});
