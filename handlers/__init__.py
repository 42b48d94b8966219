"""The conversation, channel-neutral: it never imports a transport or SQL library."""
