"""The lever analysis's fixed wording in English and Arabic (message catalogue, as the brief's).

Only fixed phrases live here; names and numbers are filled in from the results.
"""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "gain": {
        "en": "a gain of {mean} utility points (median over the models; 10-90% of the sampled "
        "inputs: {low} to {high})",
        "ar": "مكسب قدره {mean} نقطة منفعة (الوسيط عبر النماذج؛ بين المئين العاشر والتسعين من "
        "المدخلات المسحوبة: من {low} إلى {high})",
    },
    "gain_central": {
        "en": "a gain of {mean} utility points (median over the models; central inputs only, "
        "no sampled uncertainty)",
        "ar": "مكسب قدره {mean} نقطة منفعة (الوسيط عبر النماذج؛ المدخلات المركزية فقط، دون عدم "
        "يقين مسحوب)",
    },
    "support_central": {
        "en": "it helps under {models} of {n} models",
        "ar": "وهو مفيد في {models} من أصل {n} نماذج",
    },
    "support": {
        "en": "it helps under {models} of {n} models and in {share} of the sampled inputs",
        "ar": "وهو مفيد في {models} من أصل {n} نماذج وفي {share} من المدخلات المسحوبة",
    },
    "stance_position": {
        "en": "{actor}: on {issue}, state {value} instead of its true {true} ({how}): {gain}; {support}.",
        "ar": "{actor}: في بند {issue}، أعلن الموقف {value} بدل موقفه الحقيقي {true} ({how}): {gain}؛ {support}.",
    },
    "exaggerate": {"en": "an exaggerated opening", "ar": "افتتاح مبالغ فيه"},
    "moderate": {"en": "a moderate opening", "ar": "افتتاح معتدل"},
    "stance_salience": {
        "en": "{actor}: on {issue}, show a salience of {value} instead of {true}: {gain}; {support}.",
        "ar": "{actor}: في بند {issue}، أظهر أهمية قدرها {value} بدل {true}: {gain}؛ {support}.",
    },
    "stance_none": {
        "en": "{actor}: none of the {k} changes of stated position or shown salience tried within "
        "its credible bounds helps under most models and most sampled inputs; it should state its "
        "true positions.",
        "ar": "{actor}: لا يفيد أيٌّ من التغييرات الـ{k} المجرَّبة في الموقف المعلن أو الأهمية المُظهرة "
        "ضمن حدود المصداقية في معظم النماذج ومعظم المدخلات المسحوبة؛ فليعلن مواقفه الحقيقية.",
    },
    "stance_package": {
        "en": "The robust stance of {actor}, taken as a whole: {gain}; {support}.",
        "ar": "الموقف المتين لـ{actor} مأخوذًا ككل: {gain}؛ {support}.",
    },
    "rewards_exaggeration": {
        "en": "The {model} model rewards exaggeration by {actor} on {issues} (mean gain of the best "
        "credible statement in brackets).",
        "ar": "يكافئ نموذج {model} مبالغة {actor} في {issues} (متوسط مكسب أفضل موقف معلن ضمن حدود "
        "المصداقية بين قوسين).",
    },
    "rewards_moderation": {
        "en": "The {model} model rewards a moderate opening by {actor} on {issues} (mean gain of the best "
        "credible statement in brackets).",
        "ar": "يكافئ نموذج {model} الافتتاح المعتدل من {actor} في {issues} (متوسط مكسب أفضل "
        "موقف معلن ضمن حدود المصداقية بين قوسين).",
    },
    "package": {
        "en": "Concede on {give} (state {value} instead of {true} and show less interest) to insist "
        "on {get}: {gain}; {support}.",
        "ar": "تنازل في بند {give} (أعلن {value} بدل {true} وأظهر اهتمامًا أقل) لتتمسك ببند {get}: "
        "{gain}؛ {support}.",
    },
    "trade": {
        "en": "In the exchange model, {actor} trades with {partner}, giving ground on {give} for "
        "movement on {get}, in {share} of the sampled inputs (equal gain {gain}).",
        "ar": "في نموذج التبادل، يتبادل {actor} مع {partner}، فيتنازل في بند {give} مقابل تحرك في بند "
        "{get}، في {share} من المدخلات المسحوبة (مكسب متساوٍ قدره {gain}).",
    },
    "persuade_position": {
        "en": "Persuading {target} to move {step} of the scale towards {actor}'s positions: {gain}; "
        "{support}.",
        "ar": "إقناع {target} بالتحرك بمقدار {step} من المقياس نحو مواقف {actor}: {gain}؛ {support}.",
    },
    "persuade_salience": {
        "en": "Persuading {target} to care {step} more where it pulls towards {actor} (and less where "
        "it pulls away): {gain}; {support}.",
        "ar": "إقناع {target} بزيادة اهتمامه بمقدار {step} حيث يشد نحو {actor} (وتقليله حيث يشد "
        "بعيدًا عنه): {gain}؛ {support}.",
    },
    "coalition": {
        "en": "On {issue} (consensus forecast {forecast}), {allies} stand on {actor}'s side "
        "({ally} of the weight, with {actor}); {opponents} stand on the other side ({opp}).",
        "ar": "في بند {issue} (التوقع التوافقي {forecast})، يقف {allies} في صف {actor} ({ally} من "
        "الوزن مع {actor})؛ ويقف {opponents} في الجانب الآخر ({opp}).",
    },
    "nobody": {"en": "nobody", "ar": "لا أحد"},
    "and": {"en": ", ", "ar": "، "},
}

STRINGS: dict[str, dict[str, str]] = {
    "title": {
        "en": "What to ask for, what to offer, whom to persuade",
        "ar": "ماذا تطلب، وماذا تعرض، ومن تقنع",
    },
    "stance": {"en": "Own stance", "ar": "الموقف الذاتي"},
    "linkage": {"en": "Linkage", "ar": "الربط بين البنود"},
    "persuasion": {"en": "Whom to persuade", "ar": "من ينبغي إقناعه"},
    "coalitions": {"en": "Coalitions", "ar": "التحالفات"},
    "lever": {"en": "Lever", "ar": "الرافعة"},
    "model": {"en": "Model", "ar": "النموذج"},
    "mean_gain": {"en": "Mean gain", "ar": "متوسط المكسب"},
    "helps": {"en": "Helps (share of inputs)", "ar": "يفيد (نسبة المدخلات)"},
    "models_helped": {"en": "Models helped", "ar": "النماذج المستفيدة"},
    "robust": {"en": "Robust", "ar": "متين"},
    "position": {"en": "position", "ar": "الموقف"},
    "salience": {"en": "salience", "ar": "الأهمية"},
    "method": {
        "en": "Gains are in points of the actor's utility (salience-weighted closeness of the "
        "outcomes to its true positions, 0-100), over {draws} sampled inputs of the scenario's "
        "uncertainty with common random numbers; a lever ranks high only when it helps under most "
        "models and most sampled inputs. Credible bounds: declared in the scenario, else 15% of "
        "each scale.",
        "ar": "المكاسب بنقاط منفعة الفاعل (قرب النتائج من مواقفه الحقيقية مرجحًا بالأهمية، من 0 إلى "
        "100)، على {draws} من المدخلات المسحوبة من عدم يقين السيناريو بأرقام عشوائية مشتركة؛ ولا "
        "تتقدم الرافعة في الترتيب إلا إذا أفادت في معظم النماذج ومعظم المدخلات المسحوبة. حدود "
        "المصداقية: كما يعلنها السيناريو، وإلا 15% من كل مقياس.",
    },
}


def tf(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang`` with its fields filled in (English when no translation)."""
    entry = SENTENCES[key]
    return (entry.get(lang) or entry["en"]).format(**fields)


def t(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang`` (English when no translation exists)."""
    entry = STRINGS[key]
    return entry.get(lang) or entry["en"]
