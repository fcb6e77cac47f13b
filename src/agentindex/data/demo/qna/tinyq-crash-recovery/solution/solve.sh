#!/bin/bash
# Reference answer.
mkdir -p /logs/agent
cat > /logs/agent/answer.txt <<'ANSWER'
<<FINAL_ANSWER>>
Mechanism: a lease (visibility timeout). When Queue.reserve() hands a job to a
worker it moves the job to Queue.reserved and sets
job.lease_expires = now + config.visibility_timeout.

Implementation: Queue.requeue_expired() in tinyq/queue.py moves every reserved
job whose lease_expires <= now back onto the ready heap. It is triggered from
Queue.reserve() (tinyq/queue.py) at the start of every reservation, so the next
time any other worker polls the queue after the lease ran out, the job becomes
ready again and is reserved by that worker. Nothing runs in the background; the
recovery happens lazily on reserve.

Setting: Config.visibility_timeout (tinyq/config.py), read from the environment
variable TINYQ_VISIBILITY_TIMEOUT, default 30 seconds.
<<END_FINAL_ANSWER>>
ANSWER
