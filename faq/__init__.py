"""The knowledge base and the Vietnamese retrieval engine. Imports nothing from bot/, handlers/ or db/."""
