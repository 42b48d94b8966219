"""The Zalo Official Account channel (`zalo_oa`), one module per job.

- `errors`: Zalo's error codes and what each means for delivery; `transport`: one HTTP exchange;
- `oauth`: OAuth v4 with PKCE; `tokens`: the token pair kept valid under a lock;
- `api`: one OA's Open API; `webhook`: signature check and event parsing;
- `accounts`: the OAs in the database (tokens with a cross-process lock, areas, last event);
- `channel`: receiving (webhook → inbox → conversation) and replying; `delivery`: the outbox sender.

What the public sources say about the API, and what is uncertain, is in docs/zalo_oa.md.
"""
