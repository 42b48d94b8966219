"""Repositories: the only code that writes SQL. They return plain data objects, never ORM rows."""
