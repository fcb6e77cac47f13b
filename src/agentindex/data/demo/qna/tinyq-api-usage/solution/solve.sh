#!/bin/bash
# Reference answer.
mkdir -p /logs/agent
cat > /logs/agent/answer.txt <<'ANSWER'
<<FINAL_ANSWER>>
Priorities are a min-heap, so Priority.HIGH (0) is served before NORMAL (5).

```python
from tinyq import Priority, Queue, Worker

queue = Queue()
queue.enqueue("send_email", {"to": "ops@example.com"},
              priority=Priority.HIGH, delay=90, max_attempts=5)
worker = Worker(queue)
worker.register("send_email", send)
worker.run_once()
```

Note that run_once() returns False (nothing processed) until the 90-second delay
has passed, because delayed jobs are only promoted to the ready heap by reserve().
<<END_FINAL_ANSWER>>
ANSWER
