"""Everything Factdesk says in Slack: message text, Block Kit and the links in them.

`blocks` holds the primitives and `links` the permalinks, once each; every other module
is one place the bot speaks (a thread, the desk, the digest, reminders, exports...).
Listeners and workers pass rows and figures in and send what comes back; they hold no
wording of their own.
"""
