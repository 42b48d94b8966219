"""The kernel every feature uses and none owns: the neutral message types (`types`), what a handler gets
(`context`), the dispatcher that routes an update by role and conversation state, the form engine
(`forms`) and its card forms (`card`), button payloads (`payloads`), roles, generic texts, text and date
helpers, masking of personal numbers (`privacy`), the audit log and one-off notices through the outbox
(`notify`), and /start, /trogiup, /huy. It imports no feature."""
