"""/web (/quanly): a one-time link that opens the web console (bot/web) for leaders and up."""
