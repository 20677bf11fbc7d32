"""Background jobs: job records with progress, the named jobs, the runner and the schedule.

No Flask and no queue library here: ``app/jobs.py`` puts jobs on the queue (huey) and runs
the worker; this package says what a job is, how it reports, and what each named job does.
"""
