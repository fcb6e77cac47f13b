#!/bin/bash
# Reference answer.
mkdir -p /logs/agent
cat > /logs/agent/answer.txt <<'ANSWER'
<<FINAL_ANSWER>>
The bug is in tinyq/worker.py, in Worker._handle_failure:

    if job.attempts + 1 >= job.max_attempts:
        self.queue.bury(job, repr(exc))

The attempt counter is incremented in tinyq/queue.py, Queue.reserve(), when the
job is leased to a worker, i.e. before the handler runs. So when _handle_failure
sees a failure, job.attempts already counts the attempt that just failed. Adding
1 again counts it twice: after the 2nd execution attempts == 2 and 2 + 1 >= 3, so
the job is buried although only two of its three attempts were used.

Fix: bury only when the attempts already made reach the limit:

    if job.attempts >= job.max_attempts:
<<END_FINAL_ANSWER>>
ANSWER
