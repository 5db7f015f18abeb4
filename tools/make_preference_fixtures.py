"""Writes the hand-written preference-data fixtures, one small file per export format.

    python3 tools/make_preference_fixtures.py            # from the repository root
    python3 tools/make_preference_fixtures.py --out DIR

Standard library only. The records are written by hand from the public format descriptions
(shared/docs/FORMATS.md): multi-turn prompts, ties, rankings, cancelled annotations, unicode,
and one bad record per file where the importer must reject something. The files are committed
under preference-data/src/test/resources/fixtures/; this script only keeps them reproducible.
"""
import argparse
import csv
import json
import os


def jl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def comp(model, resp, ratings, overall, fg=None, aspect_key="instruction_following"):
    ann = {}
    for k, v in zip(["helpfulness", "honesty", aspect_key, "truthfulness"], ratings):
        ann[k] = {"Rating": v, "Rationale": "r"}
    c = {"model": model, "response": resp, "annotations": ann, "overall_score": overall,
         "custom_system_prompt": "", "principle": "helpfulness", "critique": "c"}
    if fg is not None:
        c["fine-grained_score"] = fg
    return c


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    # HH-RLHF: multi-turn, unicode, and one record per rejection reason
    jl(p("hh-rlhf.jsonl"), [
        {"chosen": "\n\nHuman: What is the capital of France?\n\nAssistant: Paris.", "rejected": "\n\nHuman: What is the capital of France?\n\nAssistant: London, I think."},
        {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello! How can I help?\n\nHuman: Translate “café” to German.\n\nAssistant: „Café“ — das Wort ist gleich. ☕", "rejected": "\n\nHuman: Hi\n\nAssistant: Hello! How can I help?\n\nHuman: Translate “café” to German.\n\nAssistant: Kaffee."},
        {"chosen": "\n\nHuman: A\n\nAssistant: B\n\nHuman: C\n\nAssistant: D", "rejected": "\n\nHuman: A\n\nAssistant: X\n\nHuman: C\n\nAssistant: D2"},
        {"chosen": "\n\nHuman: Q\n\nAssistant: same", "rejected": "\n\nHuman: Q\n\nAssistant:  same "},
        {"chosen": "\n\nHuman: Q\n\nAssistant: ", "rejected": "\n\nHuman: Q\n\nAssistant: an answer"},
    ])

    # TRL: explicit text, implicit text, explicit conversational, implicit conversational multi-turn, tie by score
    jl(p("trl.jsonl"), [
        {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."},
        {"chosen": "I like apples", "rejected": "I like apricots"},
        {"prompt": [{"role": "user", "content": "What color is the sky?"}], "chosen": [{"role": "assistant", "content": "It is blue."}], "rejected": [{"role": "assistant", "content": "It is green."}], "margin": 2.5},
        {"chosen": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "Times 3?"}, {"role": "assistant", "content": "12"}],
         "rejected": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "Times 3?"}, {"role": "assistant", "content": "7"}]},
        {"prompt": "Say hi in Japanese", "prompt_id": "p5", "chosen": "こんにちは", "rejected": "やあ", "score_chosen": 8.0, "score_rejected": 8.0},
    ])

    jl(p("summarize-from-feedback.jsonl"), [
        {"info": {"id": "t3_a", "post": "My cat ignores me. What do I do?", "title": "Cat problem", "subreddit": "cats"}, "split": "train",
         "summaries": [{"text": " Cat ignores me, help.", "policy": "ref", "note": "ok"}, {"text": " I have a cat.", "policy": "sup1", "note": None}],
         "choice": 0, "worker": "w1", "batch": "batch1", "extra": {"confidence": 2}},
        {"info": {"id": "t3_a", "post": "My cat ignores me. What do I do?", "title": "Cat problem", "subreddit": "cats"}, "split": "train",
         "summaries": [{"text": " Cat ignores me, help.", "policy": "ref", "note": "ok"}, {"text": " I have a cat.", "policy": "sup1", "note": None}],
         "choice": 1, "worker": "w2", "batch": "batch1", "extra": {"confidence": 6}},
        {"info": {"id": "n1", "site": "cnn", "title": "Rain", "article": "It rained in Zürich all day."}, "split": "valid1",
         "summaries": [{"text": " Rain in Zürich.", "policy": "ref", "note": "-"}, {"text": " Sunny.", "policy": "pre", "note": "-"}],
         "choice": 0, "worker": "w3", "batch": "cnndm0", "extra": {"confidence": 1}},
    ])

    jl(p("shp.jsonl"), [
        {"post_id": "p1", "domain": "askscience_train", "upvote_ratio": 0.99, "history": "Why is the sky blue?", "c_root_id_A": "a1", "c_root_id_B": "b1", "created_at_utc_A": 1, "created_at_utc_B": 2, "score_A": 50, "score_B": 10, "human_ref_A": "Rayleigh scattering.", "human_ref_B": "Because of the ocean.", "labels": 1, "seconds_difference": 100.0, "score_ratio": 5.0},
        {"post_id": "p1", "domain": "askscience_train", "upvote_ratio": 0.99, "history": "Why is the sky blue?", "c_root_id_A": "a2", "c_root_id_B": "b2", "created_at_utc_A": 1, "created_at_utc_B": 2, "score_A": 12, "score_B": 18, "human_ref_A": "Magic.", "human_ref_B": "Light scatters more at short wavelengths.", "labels": 0, "seconds_difference": 50.0, "score_ratio": 1.5},
        {"post_id": "p2", "domain": "askculinary_train", "upvote_ratio": 0.9, "history": "Best way to cook rice? 🍚", "c_root_id_A": "a3", "c_root_id_B": "b3", "created_at_utc_A": 1, "created_at_utc_B": 2, "score_A": 30, "score_B": 10, "human_ref_A": "Absorption method, 1:1.5 ratio.", "human_ref_B": "Microwave it.", "labels": 1, "seconds_difference": 10.0, "score_ratio": 3.0},
    ])

    jl(p("ultrafeedback.jsonl"), [
        {"source": "evol_instruct", "instruction": "Name a prime number.", "models": ["m1", "m2", "m3", "m4"], "correct_answers": ["None"], "incorrect_answers": ["None"],
         "completions": [comp("m1", "7", ["5", "5", "5", "5"], 9.0, 5.0), comp("m2", "9", ["2", "3", "2", "1"], 3.0, 2.0), comp("m3", "2 is prime.", ["5", "5", "5", "4"], 9.0, 4.75), comp("m4", "Eleven (11).", ["4", "N/A", "4", "4"], 7.5, 4.0)]},
        {"source": "sharegpt", "instruction": "Ünïcödé test: say ok", "completions": [comp("a", "ok", ["4", "4", "4", "4"], 8, None, "instruction-following"), comp("b", "OK!", ["3", "4", "2", "4"], 6, None, "instruction-following")]},
    ])

    jl(p("helpsteer2.jsonl"), [
        {"split": "train", "prompt": "What is 2+2?", "response_1": "4", "response_2": "5", "preference_strength": -3, "preference_statement": "@Response 1 is much better.", "preference_elaboration": "Correct.",
         "three_most_similar_preferences": [], "all_preferences_unprocessed": [{"strength": -3, "justification": "right"}, {"strength": -2, "justification": "ok"}, {"strength": -3, "justification": "yes"}]},
        {"split": "validation", "prompt": "Hi there<extra_id_1>Assistant\nHello! How can I help?<extra_id_1>User\nTell me a joke.", "response_1": "No.", "response_2": "Why did the chicken cross the road? To get to the other side.", "preference_strength": 2, "preference_statement": "@Response 2 is better.", "preference_elaboration": "",
         "three_most_similar_preferences": [], "all_preferences_unprocessed": [{"strength": 2, "justification": "a"}, {"strength": 1, "justification": "b"}, {"strength": -1, "justification": "c"}]},
        {"split": "train", "prompt": "Pick a colour", "response_1": "Red", "response_2": "Blue", "preference_strength": 0, "preference_statement": "Equal.", "preference_elaboration": "",
         "three_most_similar_preferences": [], "all_preferences_unprocessed": [{"strength": 0, "justification": ""}, {"strength": 1, "justification": ""}]},
    ])

    rows = [
        ["id", "model_a", "model_b", "prompt", "response_a", "response_b", "winner_model_a", "winner_model_b", "winner_tie"],
        ["30192", "gpt-4", "claude-1", json.dumps(["Is water wet?"]), json.dumps(["Water makes things wet."]), json.dumps(["Yes."]), "1", "0", "0"],
        ["53567", "llama-13b", "vicuna-13b", json.dumps(["Hello", "Write a haiku, please"], ensure_ascii=False), json.dumps(["Hi!", "Autumn moonlight—\na worm digs silently\ninto the chestnut."], ensure_ascii=False), json.dumps(["Hey", "Leaves fall down"]), "0", "1", "0"],
        ["65089", "gpt-3.5", "mistral", json.dumps(["Capital of Italy?"]), json.dumps(["Rome"]), json.dumps(["Rome, Italy"]), "0", "0", "1"],
        ["96401", "a", "b", json.dumps(["Q?"]), json.dumps([None]), json.dumps(["A"]), "1", "0", "0"],
    ]
    with open(p("arena-55k.csv"), "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)

    jl(p("arena-conversations.jsonl"), [
        {"question_id": "q1", "model_a": "gpt-4", "model_b": "alpaca-13b", "winner": "model_a", "judge": "arena_user_1", "turn": 1, "anony": True, "language": "English", "tstamp": 1682000000.0,
         "conversation_a": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "Apple."}], "conversation_b": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "Car."}]},
        {"question_id": "q2", "model_a": "gpt-4", "model_b": "alpaca-13b", "winner": "model_b", "judge": "arena_user_2", "turn": 2, "anony": True, "language": "German",
         "conversation_a": [{"role": "user", "content": "Hallo"}, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Wie geht's?"}, {"role": "assistant", "content": "Gut."}],
         "conversation_b": [{"role": "user", "content": "Hallo"}, {"role": "assistant", "content": "Hallo! Schön dich zu sehen."}, {"role": "user", "content": "Wie geht's?"}, {"role": "assistant", "content": "Mir geht es gut, danke. Und dir?"}]},
        {"question_id": "q3", "model_a": "x", "model_b": "y", "winner": "tie (bothbad)", "judge": "arena_user_1", "turn": 1, "language": "English",
         "conversation_a": [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "5"}], "conversation_b": [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "22"}]},
    ])

    ls = [
        {"id": 1, "data": {"prompt": "Write a greeting.", "answer1": "Hello there, friend!", "answer2": "Go away."}, "total_annotations": 3, "cancelled_annotations": 1,
         "annotations": [
             {"id": 11, "completed_by": 1, "was_cancelled": False, "result": [{"value": {"selected": "left"}, "id": "r1", "from_name": "comparison", "to_name": "comparison", "type": "pairwise", "origin": "manual"}], "lead_time": 3.2, "created_at": "2024-01-01T00:00:00Z"},
             {"id": 12, "completed_by": {"id": 2, "email": "b@example.org"}, "was_cancelled": False, "result": [{"value": {"selected": "left"}, "from_name": "comparison", "to_name": "comparison", "type": "pairwise"}]},
             {"id": 13, "completed_by": 3, "was_cancelled": True, "result": []}],
         "predictions": []},
        {"id": 2, "data": {"prompt": "Translate 'thank you' to French.", "answer1": "Merci.", "answer2": "Danke."}, "total_annotations": 2, "cancelled_annotations": 2,
         "annotations": [{"id": 21, "completed_by": 1, "was_cancelled": True, "result": []}, {"id": 22, "completed_by": 2, "was_cancelled": True, "result": []}]},
        {"id": 3, "data": {"prompt": "Rank the summaries of: 天气很好。", "items": [{"id": "s1", "title": "A", "body": "The weather is nice."}, {"id": "s2", "title": "B", "body": "It is raining."}, {"id": "s3", "title": "C", "body": "Weather good."}]},
         "annotations": [
             {"id": 31, "completed_by": 1, "was_cancelled": False, "result": [{"from_name": "rank", "to_name": "results", "type": "ranker", "value": {"ranker": {"results": ["s1", "s3", "s2"]}}}]},
             {"id": 32, "completed_by": 2, "was_cancelled": False, "result": [{"from_name": "rank", "to_name": "results", "type": "ranker", "value": {"rank": ["s3", "s1", "s2"]}}]}]},
        {"id": 4, "data": {"prompt": "Pick one", "answer1": "One", "answer2": "Two"},
         "annotations": [
             {"id": 41, "completed_by": 1, "result": [{"from_name": "comparison", "to_name": "comparison", "type": "pairwise", "value": {"selected": "left"}}]},
             {"id": 42, "completed_by": 2, "result": [{"from_name": "comparison", "to_name": "comparison", "type": "pairwise", "value": {"selected": "right"}}]}]},
    ]
    with open(p("label-studio.json"), "w", encoding="utf-8") as f:
        json.dump(ls, f, ensure_ascii=False, indent=2)

    jl(p("argilla.jsonl"), [
        {"prompt": "Suggest a name for a dog.", "response-1": "Biscuit", "response-2": "Dog", "response-3": "Sir Barksalot",
         "ranking": [{"user_id": "u-1", "value": [{"rank": 1, "value": "response-1"}, {"rank": 3, "value": "response-2"}, {"rank": 2, "value": "response-3"}], "status": "submitted"},
                     {"user_id": "u-2", "value": [{"rank": 1, "value": "response-3"}, {"rank": 2, "value": "response-2"}, {"rank": 2, "value": "response-1"}], "status": "submitted"},
                     {"user_id": "u-3", "value": [{"rank": 3, "value": "response-1"}, {"rank": 2, "value": "response-2"}, {"rank": 1, "value": "response-3"}], "status": "discarded"}],
         "ranking-suggestion": None, "ranking-suggestion-metadata": {"type": None, "score": None, "agent": None}, "external_id": "ex-1", "metadata": "{}"},
        {"prompt": "Only drafts here", "response-1": "a", "response-2": "b", "response-3": "c",
         "ranking": [{"user_id": "u-1", "value": [{"rank": 1, "value": "response-1"}, {"rank": 2, "value": "response-2"}, {"rank": 3, "value": "response-3"}], "status": "draft"}],
         "external_id": "ex-2", "metadata": "{}"},
    ])

    rows = [
        ["HITId", "HITTypeId", "AssignmentId", "WorkerId", "AssignmentStatus", "WorkTimeInSeconds", "Input.prompt", "Input.response_a", "Input.response_b", "Answer.choice"],
        ["H1", "T", "A1", "W1", "Approved", "30", "Explain gravity briefly.", "Mass attracts mass.", "Gravity is when\nthings fall, \"basically\".", "a"],
        ["H1", "T", "A2", "W2", "Submitted", "25", "Explain gravity briefly.", "Mass attracts mass.", "Gravity is when\nthings fall, \"basically\".", "B"],
        ["H1", "T", "A3", "W3", "Rejected", "2", "Explain gravity briefly.", "Mass attracts mass.", "Gravity is when\nthings fall, \"basically\".", "a"],
        ["H2", "T", "A4", "W1", "Approved", "40", "Say thanks in Hindi", "धन्यवाद", "Thanks", "tie"],
        ["H2", "T", "A5", "W2", "Approved", "40", "Say thanks in Hindi", "धन्यवाद", "Thanks", "maybe"],
    ]
    with open(p("crowd.csv"), "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="preference-data/src/test/resources/fixtures")
    main(ap.parse_args().out)
