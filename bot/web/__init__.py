"""The web console (issue 18): server-rendered pages for leaders, officers and admins, on the bot's own
HTTP server, opened with a one-time link from /web in the chat (handlers/webaccess).

Each request opens one unit of work, reads the session and then the user's role and area from the
database, and builds the same `Context` a chat handler gets: pages call the features' own functions
(scope, roles, validation, audit), so a web action and a chat action that do one thing do it alike.
"""
