"""People answering what the bot cannot: a citizen's question goes to the team of their area (`ask`,
`routing`), a member takes and answers it and the citizen rates the answer (`team`, /cauhoi, /traloi,
/nhomto); the learning loop turns an answer into a phrasing or an entry of the FAQ base, and /faq lets
officers search, edit and export the base."""
