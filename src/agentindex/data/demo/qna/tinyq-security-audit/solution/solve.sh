#!/bin/bash
# Reference answer.
mkdir -p /logs/agent
cat > /logs/agent/answer.txt <<'ANSWER'
<<FINAL_ANSWER>>
Unauthenticated remote code execution through pickle.

Files/functions: tinyq/api.py, AdminHandler.do_POST (POST /jobs), which calls
tinyq/serializer.py decode_job(), which runs pickle.loads(base64.b64decode(body)).

The attacker POSTs to /jobs a base64-encoded pickle whose object defines
__reduce__ returning e.g. (os.system, ("any shell command",)). Unpickling calls
that function, so the attacker gets arbitrary code execution with the queue
process's privileges.

The token does not help because do_POST deserializes the body before it checks
the token: self._authorized() is only called after decode_job() has returned,
and the payload has already run by then (the 403 comes too late).

Fix: never unpickle request data. Use a data-only format (JSON via json.loads,
with a schema check of name/payload/priority/delay), and check the token before
reading the body (ideally with hmac.compare_digest).
<<END_FINAL_ANSWER>>
ANSWER
