import { describe, expect, it } from 'vitest';
import { ENTER_FULL_SCREEN, FrameScreen, LEAVE_FULL_SCREEN } from './screen.ts';

function terminal(columns = 20, rows = 4) {
  const writes: string[] = [];
  return {
    writes,
    out: { isTTY: true, columns, rows, write: (s: string) => writes.push(s), on() {}, off() {} },
  };
}

/** The rows a paint wrote to, from its cursor moves. */
const paintedRows = (chunk: string) => [...chunk.matchAll(/\[(\d+);1H/g)].map((m) => Number(m[1]));

describe('FrameScreen', () => {
  it('enters the alternate screen, paints every line once, then only the lines that changed', () => {
    const { out, writes } = terminal();
    const screen = new FrameScreen(out, true);
    screen.open();
    expect(writes).toEqual([ENTER_FULL_SCREEN]);
    screen.paint('a\nb\nc');
    expect(paintedRows(writes[1])).toEqual([1, 2, 3, 4]); // 4: erase below the frame
    screen.paint('a\nB\nc');
    expect(paintedRows(writes[2])).toEqual([2]);
    expect(writes[2]).toContain('B');
    screen.paint('a\nB\nc');
    expect(writes).toHaveLength(3); // nothing changed, nothing written
    screen.invalidate();
    screen.paint('a\nB\nc');
    expect(paintedRows(writes[3])).toEqual([1, 2, 3, 4]);
  });

  it('never writes below the last row', () => {
    const { out, writes } = terminal(20, 2);
    const screen = new FrameScreen(out, false);
    screen.open();
    screen.paint('1\n2\n3\n4');
    expect(paintedRows(writes[0])).toEqual([1, 2]);
    expect(screen.lastFrame).toBe('1\n2\n3\n4');
  });

  it('leaves the alternate screen once and paints nothing after', () => {
    const { out, writes } = terminal();
    const screen = new FrameScreen(out, true);
    screen.open();
    screen.close();
    screen.close();
    screen.paint('late');
    expect(writes).toEqual([ENTER_FULL_SCREEN, LEAVE_FULL_SCREEN]);
  });

  it('gives Ink a stdout that forwards whole frames and reports the size', () => {
    const { out, writes } = terminal(33, 11);
    const screen = new FrameScreen(out, false);
    screen.open();
    const sink = screen.inkStdout();
    expect([sink.columns, sink.rows, sink.isTTY]).toEqual([33, 11, false]);
    let called = false;
    sink.write('', () => {
      called = true;
    });
    expect(called).toBe(true);
    expect(writes).toHaveLength(0);
    sink.write('frame');
    expect(screen.lastFrame).toBe('frame');
  });
});
