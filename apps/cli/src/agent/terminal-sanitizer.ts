/**
 * Makes untrusted text (tool output, model text) safe to write to a terminal.
 *
 * It removes every escape sequence (cursor moves, screen clears, window
 * titles, OSC 52 clipboard writes, hyperlinks) and every C0/C1 control
 * character except tab, newline and carriage return. Colour sequences (SGR,
 * `ESC [ ... m`) are kept only when `keepColors` is set.
 *
 * It is stateful so an escape sequence split across two chunks is still
 * recognised: an incomplete sequence at the end of a chunk is held back
 * (at most 256 characters) until the next chunk, and `flush` drops it.
 */
export interface TerminalSanitizer {
  write(chunk: string): string;
  /** Ends the stream: a held-back incomplete escape sequence is discarded. */
  flush(): void;
}

const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/y;
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/y;
const INCOMPLETE = /\u001b(?:\[[0-?]*[ -/]*|\][^\u0007\u001b]*)?$/y;
const SPECIAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const MAX_HELD = 256;

export function createTerminalSanitizer(options: { keepColors: boolean }): TerminalSanitizer {
  let held = "";
  return {
    write(chunk) {
      const text = held + chunk;
      held = "";
      let out = "";
      let index = 0;
      while (index < text.length) {
        SPECIAL.lastIndex = index;
        const special = SPECIAL.exec(text);
        if (!special) {
          out += text.slice(index);
          break;
        }
        out += text.slice(index, special.index);
        index = special.index;
        if (text.charCodeAt(index) === 0x1b) {
          CSI.lastIndex = index;
          const csi = CSI.exec(text);
          if (csi) {
            if (options.keepColors && csi[0].endsWith("m")) out += csi[0];
            index += csi[0].length;
            continue;
          }
          OSC.lastIndex = index;
          const osc = OSC.exec(text);
          if (osc) {
            index += osc[0].length;
            continue;
          }
          INCOMPLETE.lastIndex = index;
          if (INCOMPLETE.test(text)) {
            if (text.length - index <= MAX_HELD) held = text.slice(index);
            break;
          }
          // Any other escape: ESC plus one character (ESC c resets the terminal).
          index += 2;
          continue;
        }
        index += 1; // any other control character is dropped
      }
      return out;
    },
    flush() {
      held = "";
    },
  };
}
