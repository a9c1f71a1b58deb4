"""The lab: simulated MikroTik RouterOS 7 and Cisco IOS devices over real SSH (see docs/lab.md).

Tests use `running_lab` from digikel.lab.runner; the CLI is `digikel lab`. The lab is the
optional extra `digikel[lab]` (asyncssh); the product never imports it (docs/architecture.md).

Why the simulated RouterOS keeps a tokenizer of its own (routeros_syntax.tokenize) beside the
product's (network.routeros_config.tokenize): they read the same lines for different ends.
The product reads exports and its own templates into words, and fails on what it cannot read.
The simulator plays the device: it reports each token's column and refuses what RouterOS refuses,
with RouterOS's message at RouterOS's column (`expected end of command (line 1 column 9)`), splits
`;` between commands, and keeps `key~regex` apart from `key=value` for `find`. Everything below
the token (quoted strings and their escapes, quoting, wrapped lines) is the product's, imported.
tests/unit/lab/test_tokenizers_agree.py holds the two to the same words on the fixture exports,
the simulator's own exports and lines chosen for being hard to read.

Beyond that syntax the simulator does not borrow the product's knowledge of the devices (which
forms IOS prints, which RouterOS defaults an export leaves out): it is the independent model the
product is tested against, and sharing the product's assumptions would make those tests agree
by construction. The names say which side is which: `lab/ios_running_config.py` is a simulated
switch's configuration, `network/ios_config.py` the product's remediation of a real one.
"""
