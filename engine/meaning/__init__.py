"""Reading meaning with small trained models over MiniLM embeddings (issue 12).

    encoding.py   a thread's latest prospect message and the rep's question before it, embedded
    intent.py     the offline intent model (softmax regression over the embeddings)
    verifier.py   the pair verifier the semantic cache asks before reusing an analysis
    facts.py      exact checks of hard facts (numbers, money, dates, timeframes, standards, vendors, regions)
    models.py     loading both models (in the background at start-up) and saying when they are ready

The weights are trained by scripts/train_models.py from labelled examples and threads in scripts/data/
and the tuning half of the samples, and ship in weights/ (about 100 KB).
"""
