"""HD wallets in the module: master seeds, SLIP39 sessions, child keys, oversight
wallets (``scm-behaviour.md`` §8).

The derivation, mnemonics and share arithmetic are the wallet layer's
(``softscm.wallet``); this package keeps the rules of the module: the part that serves
the wallet operations (``wallets.py``: wallet names and their limit, slots, what each
node may do), what a new wallet is made with and its checks (``spec.py``), the
passphrases as a strategy carries them (``passphrase.py``), the master nodes of new
wallets (``roots.py``) and the SLIP39 session that blocks key generation
(``session.py``). Wallet nodes are keys of the key store (``keys/keystore.py`` seals
them and serves them to the ordinary sign, verify, ECDH and public-key operations).
"""

from __future__ import annotations
