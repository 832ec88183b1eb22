"""The worker process: takes job ids from the queue, runs their pipelines, sends webhooks, reaps."""
