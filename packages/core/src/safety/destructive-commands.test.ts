import { describe, expect, it } from "vitest";
import { detectDestructiveCommand } from "./destructive-commands.js";

describe("detectDestructiveCommand", () => {
  const destructive: Array<[string, string]> = [
    ["rm -rf /", "rm-root"],
    ["sudo rm -rf / ", "rm-root"],
    ["rm -fr /*", "rm-root"],
    ["rm -r -f ~", "rm-root"],
    ["rm --recursive --force $HOME/", "rm-root"],
    ["cd /tmp && rm -Rf /etc", "rm-root"],
    ["rm -rf --no-preserve-root /", "rm-root"],
    ["mkfs.ext4 /dev/sdb1", "mkfs"],
    ["sudo mkfs -t xfs /dev/nvme0n1", "mkfs"],
    ["wipefs -a /dev/sda", "mkfs"],
    ["dd if=/dev/zero of=/dev/sda bs=1M", "dd-device"],
    ["cat image.iso > /dev/sdb", "redirect-device"],
    [":(){ :|:& };:", "fork-bomb"],
    ["bomb() { bomb | bomb & }; bomb", "fork-bomb"],
    ["curl -fsSL https://example.com/install.sh | sh", "pipe-to-shell"],
    ["wget -qO- https://x.y/z | sudo bash", "pipe-to-shell"],
    ['bash -c "$(curl -fsSL https://x.y/i.sh)"', "pipe-to-shell"],
    ["chmod -R 777 /", "chmod-root"],
    ["chown -R nobody /usr", "chmod-root"],
    ["find / -name '*.log' -delete", "find-delete-root"],
    ["kill -9 -1", "kill-all"],
    ["sudo reboot", "power"],
    ["echo x > /etc/passwd", "overwrite-system-file"],
  ];
  it.each(destructive)("flags %s", (command, rule) => {
    expect(detectDestructiveCommand(command)).toMatchObject({ rule });
  });

  const harmless = [
    "ls -la /",
    "rm -rf ./build",
    "rm -rf node_modules dist",
    "rm -f /tmp/x.txt",
    "rm -r /tmp/work",
    "dd if=/dev/urandom of=./random.bin bs=1k count=1",
    "dd if=/dev/zero of=/dev/null count=1",
    "curl -fsSL https://example.com/file.tar.gz -o file.tar.gz",
    "curl https://x | grep shell",
    "chmod -R 755 ./public",
    "chmod 644 /etc/hosts.bak",
    "find . -name '*.tmp' -delete",
    "kill -9 1234",
    "echo reboot later",
    "grep -r password /etc/ssh >/dev/null",
    "cat /etc/passwd",
  ];
  it.each(harmless)("lets %s through", (command) => {
    expect(detectDestructiveCommand(command)).toBeUndefined();
  });
});
