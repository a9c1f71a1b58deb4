"""Open the environment's Ansible Vault: the only place digikel's secrets come from.

The vault is the file Ansible itself loads (<env>/group_vars/all/vault.yml), so playbooks and the
network code see the same values. Its password comes from DIGIKEL_VAULT_PASSWORD_FILE (a file, or
an executable script as with Ansible), else from the environment's own vault-password.txt, which
only the lab has.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from digikel.errors import VaultError

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory

PASSWORD_ENV = "DIGIKEL_VAULT_PASSWORD_FILE"


def vault_path(inv: Inventory) -> Path:
    return inv.env_dir / "group_vars" / "all" / "vault.yml"


def password_file(inv: Inventory) -> Path:
    configured = os.environ.get(PASSWORD_ENV)
    if configured:
        return Path(configured)
    return inv.env_dir / "vault-password.txt"


def load_secrets(inv: Inventory) -> dict[str, Any]:
    """The decrypted vault variables of the inventory's environment."""
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultLib, get_file_vault_secret

    path, secret_file = vault_path(inv), password_file(inv)
    if not path.is_file():
        raise VaultError(
            f"{path}: no vault for environment {inv.environment!r} (see docs/secrets.md)"
        )
    if not secret_file.is_file():
        raise VaultError(
            f"{secret_file}: vault password file not found; set {PASSWORD_ENV} to the "
            f"{inv.environment} vault's password file or script (see docs/secrets.md)"
        )
    try:
        secret = get_file_vault_secret(filename=str(secret_file), loader=DataLoader())
        secret.load()
        plain = VaultLib([("default", secret)]).decrypt(path.read_bytes())
    except AnsibleError as exc:
        raise VaultError(f"{path}: the vault cannot be opened with {secret_file}: {exc}") from None
    data = yaml.safe_load(plain)
    if not isinstance(data, dict):
        raise VaultError(f"{path}: expected a mapping of vault_digikel_* variables")
    return data
