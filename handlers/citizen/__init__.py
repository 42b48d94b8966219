"""Citizens' questions answered in the chat: small talk, an answer with its source from the FAQ base,
"did you mean" choices, an honest decline (with the way to a person, from handoff), feedback on answers,
and /chude to browse the topics. `faq_base` keeps this process's engine over the live base and rebuilds
it when the base changes."""
