import type { ProgressEvent } from "./image-pull.js";

/**
 * Renders engine progress events (pulls and builds) for a person: on a
 * terminal one redrawn bar line per pull, otherwise plain lines, each layer's
 * status printed once per change (no flood of percentages in CI logs).
 */
export function createProgressPrinter(write: (text: string) => void, isTTY: boolean): (event: ProgressEvent) => void {
  const layers = new Map<string, { current: number; total: number }>();
  const lastStatus = new Map<string, string>();
  let barShown = false;

  const clearBar = () => {
    if (barShown) write("\r\x1b[2K");
    barShown = false;
  };

  return (event) => {
    if (event.stream !== undefined) {
      clearBar();
      write(event.stream);
      return;
    }
    if (event.error) {
      clearBar();
      write(`error: ${event.errorDetail?.message ?? event.error}\n`);
      return;
    }
    const id = event.id ?? "";
    const status = event.status ?? "";
    const detail = event.progressDetail;
    if (id && detail?.total) layers.set(id, { current: detail.current ?? 0, total: detail.total });
    if (id && /complete|already exists/i.test(status)) {
      const layer = layers.get(id);
      if (layer) layer.current = layer.total;
    }
    if (isTTY && id && layers.size > 0 && /download|extract/i.test(status)) {
      let current = 0;
      let total = 0;
      for (const layer of layers.values()) {
        current += layer.current;
        total += layer.total;
      }
      const ratio = total > 0 ? Math.min(1, current / total) : 0;
      const width = 30;
      const filled = Math.round(ratio * width);
      write(`\r\x1b[2K[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${Math.round(ratio * 100)}% ${formatMb(current)}/${formatMb(total)} MB`);
      barShown = true;
      return;
    }
    const key = id || status;
    if (lastStatus.get(key) === status) return;
    lastStatus.set(key, status);
    clearBar();
    write(`${id ? `${id}: ` : ""}${status}\n`);
  };
}

function formatMb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
