"""The backup store: a git repository with one file per device and one commit per backup.

Default <project root>/.digikel/backups (env DIGIKEL_BACKUP_DIR); the CLI passes its Project's.
Files: <site>/<device>.rsc|.cfg.
A backup whose content is unchanged makes no commit. Git runs as a subprocess with a fixed author,
so no global git configuration is needed; a lock serialises the workers of one process.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from digikel.errors import DigikelError, InputError

SUFFIX = {"routeros": ".rsc", "ios": ".cfg"}
_LOCK = threading.Lock()
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "digikel",
    "GIT_AUTHOR_EMAIL": "digikel@localhost",
    "GIT_COMMITTER_NAME": "digikel",
    "GIT_COMMITTER_EMAIL": "digikel@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def default_backup_dir(project_root: Path | None = None) -> Path:
    """DIGIKEL_BACKUP_DIR, else <project_root>/.digikel/backups.

    Without a project (a library call), the checkout this package runs from; never the current
    directory: a push from $HOME and a rollback from the repository must share one store."""
    env = os.environ.get("DIGIKEL_BACKUP_DIR")
    if env:
        return Path(env)
    from digikel.project import checkout_root

    root = project_root or checkout_root()
    if root is None:
        raise InputError(
            "no backup store: expected a project (digikel --project) or DIGIKEL_BACKUP_DIR"
        )
    return root / ".digikel" / "backups"


@dataclass(frozen=True)
class Revision:
    commit: str
    date: str
    message: str


class BackupStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_backup_dir()).resolve()
        if self.root.exists() and not self.root.is_dir():
            raise InputError(
                f"backup store {self.root}: expected a folder, found a file "
                "(set --backup-dir or DIGIKEL_BACKUP_DIR to a folder)"
            )

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **_GIT_ENV, "HOME": str(self.root)}
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            umask=0o077,  # backups hold device configurations: git's own files owner-only too
        )
        if check and proc.returncode != 0:
            raise DigikelError(
                f"backup store {self.root}: git {' '.join(args[:2])} failed: {proc.stderr.strip()}"
            )
        return proc

    def ensure(self) -> None:
        if (self.root / ".git").is_dir():
            return
        if self.root.exists() and not self.root.is_dir():
            raise InputError(
                f"backup store {self.root}: expected a folder, found a file "
                "(set --backup-dir or DIGIKEL_BACKUP_DIR to a folder)"
            )
        try:
            # Backups hold device configurations (IOS password hashes among them): owner only.
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.root.chmod(0o700)
        except OSError as exc:
            raise InputError(
                f"backup store {self.root}: cannot create it ({exc.strerror}); expected a "
                "writable folder (--backup-dir or DIGIKEL_BACKUP_DIR)"
            ) from None
        self._git("init", "-q", "-b", "main", "--shared=0600")
        (self.root / "README").touch(mode=0o600)
        (self.root / "README").write_text(
            "digikel network backups: one file per device, one commit per backup.\n"
            "Written by `digikel network backup`; restore with `digikel network rollback`.\n"
        )
        self._git("add", "README")
        self._git("commit", "-q", "-m", "backup store created")

    def relpath(self, site: str, device: str, platform: str) -> str:
        return f"{site}/{device}{SUFFIX[platform]}"

    def save(self, site: str, device: str, platform: str, text: str, reason: str = "backup") -> str:
        """Write and commit a device's configuration; returns the revision holding it."""
        with _LOCK:
            self.ensure()
            rel = self.relpath(site, device, platform)
            path = self.root / rel
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(text)
            self._git("add", "--", rel)
            staged = self._git("diff", "--cached", "--quiet", "--", rel, check=False)
            if staged.returncode != 0:
                self._git("commit", "-q", "-m", f"{reason}: site {site} host {device}", "--", rel)
            return self.revisions(site, device, platform, limit=1)[0].commit

    def revisions(self, site: str, device: str, platform: str, limit: int = 50) -> list[Revision]:
        """Commits that changed this device's file, newest first."""
        if not (self.root / ".git").is_dir():
            return []
        rel = self.relpath(site, device, platform)
        out = self._git(
            "log", f"-n{limit}", "--format=%H%x09%cI%x09%s", "--", rel, check=False
        ).stdout
        revs = []
        for line in out.splitlines():
            commit, date, message = line.split("\t", 2)
            revs.append(Revision(commit, date, message))
        return revs

    def read(
        self, site: str, device: str, platform: str, revision: str = "latest"
    ) -> tuple[str, str]:
        """(commit, text) of a backup: "latest", "previous" (the one before) or a git revision."""
        rel = self.relpath(site, device, platform)
        revs = self.revisions(site, device, platform)
        if not revs:
            raise InputError(f"{device}: no backup in {self.root} (run `digikel network backup`)")
        if revision == "latest":
            commit = revs[0].commit
        elif revision == "previous":
            if len(revs) < 2:
                raise InputError(f"{device}: only one backup in {self.root}; no previous one")
            commit = revs[1].commit
        else:
            proc = self._git("rev-parse", "--verify", "-q", f"{revision}^{{commit}}", check=False)
            if proc.returncode != 0:
                raise InputError(f"{self.root}: revision {revision!r}: not a commit of the store")
            commit = proc.stdout.strip()
        show = self._git("show", f"{commit}:{rel}", check=False)
        if show.returncode != 0:
            raise InputError(f"{device}: revision {revision!r} of {self.root} has no {rel}")
        return commit, show.stdout
