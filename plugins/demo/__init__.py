"""The sample organisation: a deterministic, believable company to load, test and benchmark
learnwire against (``learnwire demo``).

Everything is a pure function of ``(seed, size, today)``:

* :func:`~.organisation.build_organisation` - departments, teams with managers, and who holds
  which job profile (:mod:`.roles`) under the skills framework of :mod:`.taxonomy`;
* :func:`~.catalogue.library` - the 324-item learning library (the same for every seed);
* :func:`~.learners.latent_profile` - one person's hidden truth: mastery per skill, pace,
  rhythm, format habits, goals, calendar busyness;
* :func:`~.history.learner_history` - their 90 days of xAPI 1.0.3 statements, with answers
  from the BKT-like process of :mod:`.simulation` (whose ``respond``/``learn`` later
  benchmarks reuse to replay what a recommendation would have taught);
* :func:`~.situations.upcoming_situations` - their next 14 days of work situations.

:mod:`.source` presents all of it as the HR system, learning library, learning record store
and calendar a real company would connect, and :func:`~.loader.load_demo` loads those through
the ordinary sync runner and intake.
"""
