"""``rq cron`` configuration, loaded by ``yuqing cron`` (``CronScheduler.load_config_from_file``).

One job, every minute: the sweeper that catches up breaches, pre-warnings, escalations,
digests and deliveries that a lost Redis or a dead worker missed (ARCHITECTURE §5). It runs on
the ``deadlines`` queue; several cron processes may run, since every step is idempotent.
"""

from rq import cron

from yuqing.deadlines.jobs import sweep

#: Seconds between sweeps.
SWEEP_INTERVAL = 60

cron.register(sweep, "deadlines", interval=SWEEP_INTERVAL, job_timeout=300, name="yuqing-sweep")
