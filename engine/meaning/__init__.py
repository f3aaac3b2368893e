"""Reading meaning with small trained models over MiniLM embeddings (issue 12).

    encoding.py   a thread's latest prospect message and the rep's question before it, embedded
    intent.py     the offline intent model (softmax regression over the embeddings)
    finetuned.py  the fine-tuned intent reader: MiniLM's top layers with LoRA deltas + a head (+ the LR logits)
    pairs.py      what the verifier compares: one side per thread, the features of a pair
    tokens.py     token-level evidence: the message's word pieces, reduced, aligned across a pair
    verifier.py   the trained pair verifier the semantic cache asks before reusing an analysis
    facts.py      exact checks of hard facts (numbers, money, dates, timeframes, standards, vendors, regions)
    models.py     loading both models (in the background at start-up) and saying when they are ready

The weights are trained by scripts/train_models.py (intent: labelled examples and threads in
scripts/data/ and the tuning half of the samples) and scripts/train_intent_finetune.py (the fine-tuned
reader, used when its weights ship), then scripts/train_verifier.py (the verifier reads
the intent distributions, so it is retrained after the intent model), and ship in weights/.
"""
