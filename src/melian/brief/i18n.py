"""The brief's fixed wording in English and Arabic.

Only fixed phrases live here; names, numbers and sources come from the scenario and the results.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "brief": {"en": "Decision brief", "ar": "مذكرة قرار"},
    "id": {"en": "id", "ar": "المعرّف"},
    "kind": {"en": "Kind", "ar": "النوع"},
    "parent": {"en": "Part of", "ar": "جزء من"},
    "measure": {"en": "Measure", "ar": "المقياس"},
    "key": {"en": "Key", "ar": "المفتاح"},
    "address": {"en": "Address", "ar": "العنوان"},
    "date": {"en": "Date", "ar": "التاريخ"},
    "parameters": {"en": "Parameters", "ar": "المعاملات"},
    "median": {"en": "Median", "ar": "الوسيط"},
    "models_spread": {"en": "Models' spread", "ar": "تباين النماذج"},
    "models_points": {"en": "Models' points (range)", "ar": "توقعات النماذج (المدى)"},
    "point_masses": {"en": "Most likely exact outcomes", "ar": "النتائج المحددة الأرجح"},
    "higher_worse": {"en": "higher is worse", "ar": "الأعلى أسوأ"},
    "higher_better": {"en": "higher is better", "ar": "الأعلى أفضل"},
    "event_or_outcome": {"en": "Event or outcome", "ar": "الحدث أو النتيجة"},
    "risk_table_note": {
        "en": "Events: probability within the horizon. Outcomes: median [5th; 95th percentile] "
        "across paths. Every row is an event or outcome the scenario's world declares.",
        "ar": "الأحداث: احتمال وقوعها خلال الأفق. النتائج: الوسيط [المئين الخامس؛ المئين 95] عبر "
        "المسارات. كل صف حدث أو نتيجة يصرّح بها نموذج العالم في السيناريو.",
    },
    "claims_source": {
        "en": "The source's claims, checked",
        "ar": "ادعاءات المصدر بعد التحقق",
    },
    "claims_theory": {
        "en": "Alliance-theory propositions, checked",
        "ar": "قضايا نظرية التحالفات بعد التحقق",
    },
    "claims_intro_source": {
        "en": "Each claim the source makes about the alliance choice is checked in the game as "
        "the scenario encodes it, under both framings.",
        "ar": "يُتحقق من كل ادعاء يطرحه المصدر بشأن خيار التحالف في اللعبة كما يرمّزها السيناريو، "
        "في الإطارين كليهما.",
    },
    "claims_intro_theory": {
        "en": "The scenario cites no source arguing for an option: the game checks general "
        "propositions of alliance theory (abandonment and entrapment, the small state's gains, "
        "the rival's reaction) as the scenario encodes the choice, under both framings.",
        "ar": "لا يستشهد السيناريو بمصدر يدافع عن خيار بعينه: تتحقق اللعبة من قضايا عامة في نظرية "
        "التحالفات (التخلي والتوريط، ومكاسب الدولة الصغيرة، ورد فعل الخصم) كما يرمّز السيناريو "
        "الخيار، في الإطارين كليهما.",
    },
    "na": {"en": "n/a", "ar": "لا ينطبق"},
    "total": {"en": "Total", "ar": "المجموع"},
    "view_source": {"en": "the source's view", "ar": "رأي المصدر"},
    "view_written": {"en": "the scenario as written", "ar": "السيناريو كما هو مكتوب"},
    "view": {"en": "View", "ar": "الرأي"},
    "spreads": {"en": "spreads", "ar": "انحرافات"},
    "tied_within_error": {
        "en": "0 (tied within Monte Carlo error)",
        "ar": "0 (تعادل ضمن خطأ مونت كارلو)",
    },
    "change_summary": {
        "en": "Per view: what it would take to change the ranking",
        "ar": "لكل رأي: ما الذي يلزم لتغيير الترتيب",
    },
    "top_world": {
        "en": "First on the weighted world-model criteria",
        "ar": "الأول وفق المجموع المرجّح لمعايير نموذج العالم",
    },
    "basis_world": {
        "en": "on the weighted sum of the world-model criteria",
        "ar": "وفق المجموع المرجّح لمعايير نموذج العالم",
    },
    "basis_joint": {
        "en": "on the weighted sum of the criteria, with world, game and bargaining inputs "
        "varied together",
        "ar": "وفق المجموع المرجّح للمعايير، مع تغيير مدخلات العالم واللعبة والمساومة معًا",
    },
    "top_joint": {
        "en": "First on the weighted criteria",
        "ar": "الأول وفق المعايير المرجّحة",
    },
    "basis_game": {
        "en": "on the focal actor's game payoff",
        "ar": "وفق عائد الفاعل المعني في اللعبة",
    },
    "top_game": {
        "en": "First on the focal actor's game payoff",
        "ar": "الأول وفق عائد الفاعل المعني في اللعبة",
    },
    "lead": {"en": "Lead (utility) ± s.e.", "ar": "الفارق (منفعة) ± الخطأ المعياري"},
    "nearest_switch": {
        "en": "Nearest switch-over (one input)",
        "ar": "أقرب نقطة تحول (مدخل واحد)",
    },
    "nearest_flip": {
        "en": "Nearest flip, all inputs (spreads)",
        "ar": "أقرب انقلاب، كل المدخلات (انحرافات)",
    },
    "share_not_best": {
        "en": "Futures where it is not best ± s.e. (futures and paths)",
        "ar": "المستقبلات التي لا يكون فيها الأفضل ± الخطأ المعياري (المستقبلات والمسارات)",
    },
    "minimax_regret": {"en": "Minimax regret choice", "ar": "خيار أدنى الندم الأقصى"},
    "below": {"en": "Below the centre", "ar": "دون المركز"},
    "above": {"en": "Above the centre", "ar": "فوق المركز"},
    "partial_banner": {
        "en": "INCOMPLETE BRIEF: these sections failed and are missing",
        "ar": "مذكرة غير مكتملة: فشلت هذه الأقسام وهي غير موجودة",
    },
    "omitted": {"en": "Not in this brief", "ar": "غير وارد في هذه المذكرة"},
    "as_of": {"en": "as of", "ar": "بتاريخ"},
    "bluf": {"en": "Bottom line up front", "ar": "الخلاصة أولًا"},
    "key_judgements": {"en": "Key judgements", "ar": "الأحكام الرئيسية"},
    "options": {"en": "The options", "ar": "الخيارات"},
    "forecast": {
        "en": "Where the dialogue lands: forecasts per agenda issue",
        "ar": "أين سينتهي الحوار: التوقعات لكل بند من جدول الأعمال",
    },
    "game": {"en": "The alliance choice as a game", "ar": "خيار التحالف بوصفه لعبة"},
    "consequences": {"en": "Consequences of each option", "ar": "عواقب كل خيار"},
    "robustness": {
        "en": "What would change the recommendation",
        "ar": "ما الذي قد يغيّر التوصية",
    },
    "levers": {
        "en": "What to ask for, what to offer, whom to persuade",
        "ar": "ماذا تطلب، وماذا تعرض، ومن تقنع",
    },
    "ranking": {
        "en": "Ranking on the decision-maker's criteria",
        "ar": "الترتيب وفق معايير صانع القرار",
    },
    "signposts": {"en": "Signposts to watch", "ar": "مؤشرات ينبغي رصدها"},
    "assumptions": {"en": "Assumptions and sources", "ar": "الافتراضات والمصادر"},
    "manifest": {"en": "Run manifest", "ar": "بيان التشغيل"},
    "actors": {"en": "Actors", "ar": "الفاعلون"},
    "actor": {"en": "Actor", "ar": "الفاعل"},
    "issue": {"en": "Issue", "ar": "البند"},
    "option": {"en": "Option", "ar": "الخيار"},
    "model": {"en": "Model", "ar": "النموذج"},
    "status_quo": {"en": "Status quo", "ar": "الوضع الراهن"},
    "position": {"en": "Position", "ar": "الموقف"},
    "salience": {"en": "Salience", "ar": "الأهمية"},
    "capability": {"en": "Capability", "ar": "القدرة"},
    "source": {"en": "Source", "ar": "المصدر"},
    "sources": {"en": "Sources", "ar": "المصادر"},
    "judgement": {"en": "judgement", "ar": "تقدير"},
    "confidence": {"en": "Confidence", "ar": "درجة الثقة"},
    "parameter": {"en": "Parameter", "ar": "المعامل"},
    "value": {"en": "Value or distribution", "ar": "القيمة أو التوزيع"},
    "unit": {"en": "Unit", "ar": "الوحدة"},
    "criterion": {"en": "Criterion", "ar": "المعيار"},
    "weight": {"en": "Weight", "ar": "الوزن"},
    "direction": {"en": "Better", "ar": "الأفضل"},
    "higher": {"en": "higher", "ar": "الأعلى"},
    "lower": {"en": "lower", "ar": "الأدنى"},
    "recommended": {"en": "recommended by the source", "ar": "الخيار الذي يوصي به المصدر"},
    "not_available": {"en": "Not computed", "ar": "لم يُحسب"},
    "scale": {"en": "Scale", "ar": "المقياس"},
    "point_forecast": {
        "en": "Point forecasts (on each issue's scale)",
        "ar": "التوقعات النقطية (على مقياس كل بند)",
    },
    "position_shift": {
        "en": "Position shifts over the bargaining rounds",
        "ar": "تحول المواقف عبر جولات التفاوض",
    },
    "equilibria": {"en": "Equilibria", "ar": "التوازنات"},
    "claim": {"en": "Proposition", "ar": "القضية"},
    "holds": {"en": "Holds?", "ar": "هل يصح؟"},
    "narrow_margin": {"en": "narrow margin", "ar": "بفارق ضئيل"},
    "conditions": {"en": "Conditions", "ar": "الشروط"},
    "yes": {"en": "yes", "ar": "نعم"},
    "no": {"en": "no", "ar": "لا"},
    "payoff_components": {"en": "Payoff components", "ar": "مكونات العائد"},
    "risk_table": {"en": "Risk table", "ar": "جدول المخاطر"},
    "fan_charts": {
        "en": "Fan charts (median, 50% and 90% bands)",
        "ar": "مخططات المروحة (الوسيط ونطاقا 50% و90%)",
    },
    "tornado": {
        "en": "What moves the answer most (tornado)",
        "ar": "أكثر ما يحرك الإجابة (مخطط الإعصار)",
    },
    "prim": {
        "en": "Where the recommended option is not best (PRIM boxes)",
        "ar": "حيث لا يكون الخيار الموصى به هو الأفضل (صناديق PRIM)",
    },
    "regret": {"en": "Regret across futures", "ar": "الندم عبر المستقبلات الممكنة"},
    "stability": {"en": "Weight stability", "ar": "ثبات الأوزان"},
    "rank": {"en": "Rank", "ar": "الترتيب"},
    "score": {"en": "Score", "ar": "الدرجة"},
    "probability": {"en": "Probability", "ar": "الاحتمال"},
    "likelihood": {"en": "Likelihood", "ar": "الأرجحية"},
    "mean": {"en": "Mean", "ar": "المتوسط"},
    "generated_by": {"en": "Generated by melian", "ar": "أُعدّت بواسطة melian"},
    "quick_note": {
        "en": "Quick run: lower-fidelity settings (fewer paths and samples).",
        "ar": "تشغيل سريع: إعدادات أقل دقة (مسارات وعينات أقل).",
    },
    "icd_note": {
        "en": "Likelihood words follow ICD 203: almost no chance 1-5%, very unlikely 5-20%, "
        "unlikely 20-45%, roughly even chance 45-55%, likely 55-80%, very likely "
        "80-95%, almost certain 95-99%.",
        "ar": "تتبع عبارات الأرجحية المعيار ICD 203: لا فرصة تقريبًا 1-5%، مستبعد جدًا 5-20%، "
        "مستبعد 20-45%، احتمال متساوٍ تقريبًا 45-55%، مرجَّح 55-80%، مرجَّح جدًا 80-95%، "
        "شبه مؤكد 95-99%.",
    },
}


def t(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang`` (English when no translation exists)."""
    entry = STRINGS[key]
    return entry.get(lang) or entry["en"]


LANGS = ("en", "ar")


#: Sentence templates (``str.format`` fields) for the prose the brief generates from results.
SENTENCES: dict[str, dict[str, str]] = {
    "source_recommends": {
        "en": "The source recommends: {option}.",
        "ar": "يوصي المصدر بـ: {option}.",
    },
    "best_agrees": {
        "en": "On the decision-maker's criteria the best option is '{top}', which agrees with the source's "
        "recommendation.",
        "ar": "وفق معايير صانع القرار فإن أفضل خيار هو «{top}»، وهو يتفق مع توصية المصدر.",
    },
    "game_path": {
        "en": "Game ({framing} framing): equilibrium path {path}.",
        "ar": "اللعبة (إطار {framing}): مسار التوازن {path}.",
    },
    "median_forecast": {
        "en": "Median forecast across models: {parts}.",
        "ar": "التوقع الوسيط عبر النماذج: {parts}.",
    },
    "from_sq": {"en": "{delta} from the status quo", "ar": "{delta} عن الوضع الراهن"},
    "under_option": {
        "en": "under '{option}', {event} within {months} months.",
        "ar": "في ظل «{option}»: {event} خلال {months} شهرًا.",
    },
    "world_basis": {"en": "world model, {paths} paths", "ar": "نموذج العالم، {paths} مسار"},
    "minimax_is_rec": {
        "en": "Minimax regret choice: '{choice}' (the recommended option).",
        "ar": "خيار أدنى الندم الأقصى: «{choice}» (الخيار الموصى به).",
    },
    "minimax_not_rec": {
        "en": "Minimax regret choice: '{choice}' (not the recommended '{rec}').",
        "ar": "خيار أدنى الندم الأقصى: «{choice}» (وليس الخيار الموصى به «{rec}»).",
    },
    "top_agree": {
        "en": "Top option ({method}): '{top}'; every method and normalisation agrees.",
        "ar": "الخيار الأول ({method}): «{top}»؛ تتفق جميع الطرائق وأساليب التطبيع.",
    },
    "top_disagree": {
        "en": "Top option ({method}): '{top}'; methods disagree: {detail}.",
        "ar": "الخيار الأول ({method}): «{top}»؛ تختلف الطرائق: {detail}.",
    },
    "ahp_cr": {
        "en": "AHP consistency ratio of the pairwise judgements: {cr}.",
        "ar": "نسبة اتساق أحكام المقارنة الزوجية (AHP): {cr}.",
    },
    "qre": {
        "en": "Boundedly rational play (logit QRE, lambda = {lam}): {actor} chooses {option} with "
        "probability {p}.",
        "ar": "في اللعب محدود العقلانية (توازن الاستجابة الكمومية اللوجستي، لامدا = {lam}): يختار {actor} "
        "الخيار {option} باحتمال {p}.",
    },
    "best_differs": {
        "en": "On the decision-maker's criteria the best option is '{top}', which differs from the "
        "source's recommendation ('{rec}').",
        "ar": "وفق معايير صانع القرار فإن أفضل خيار هو «{top}»، وهو يختلف عن توصية المصدر («{rec}»).",
    },
    "best_plain": {
        "en": "On the decision-maker's criteria the best option is '{top}' (the scenario records "
        "no recommendation to compare it with).",
        "ar": "وفق معايير صانع القرار فإن أفضل خيار هو «{top}» (لا يسجّل السيناريو توصية للمقارنة بها).",
    },
    "claims_hold_source": {
        "en": "{n} of {m} of the source's claims hold under both framings of the game.",
        "ar": "{n} من أصل {m} من ادعاءات المصدر تصح في إطاري اللعبة كليهما.",
    },
    "claims_hold_theory": {
        "en": "{n} of {m} alliance-theory propositions hold under both framings of the game.",
        "ar": "{n} من أصل {m} من قضايا نظرية التحالفات تصح في إطاري اللعبة كليهما.",
    },
    "not_best_share": {
        "en": "'{option}' is not the best option {basis}, in {pct}% of {n} sampled futures{over} "
        "(± {se} points: one standard error, from the futures sampled and the paths simulated "
        "in each).",
        "ar": "لا يكون «{option}» أفضل خيار {basis}، في {pct}% من {n} مستقبلًا مسحوبًا{over} "
        "(± {se} نقطة: خطأ معياري واحد، من المستقبلات المسحوبة والمسارات المحاكاة في كل منها).",
    },
    "risk_table_idle": {
        "en": "Zero on every path under every option, so not shown: {names}.",
        "ar": "صفر في كل مسار تحت كل خيار، لذا لا يُعرض: {names}.",
    },
    "reference_fallback": {
        "en": "The scenario records no recommended option, so the robustness analysis measures "
        "against '{option}' (the present course, else the first option); the option best in "
        "most sampled futures is '{best}' ({pct}%).",
        "ar": "لا يسجّل السيناريو خيارًا موصى به، لذا يقيس تحليل المتانة مقارنةً بالمسار الحالي "
        "«{option}»؛ والخيار الأفضل في معظم المستقبلات المسحوبة هو «{best}» ({pct}%).",
    },
    "world_over": {
        "en": "world-model criteria over {months} months",
        "ar": "معايير نموذج العالم على مدى {months} شهرًا",
    },
    "best_across_futures": {
        "en": "'{option}' is the best option {basis}, in {pct} of the sampled futures of every "
        "uncertain input.",
        "ar": "«{option}» هو أفضل خيار {basis}، في {pct} من المستقبلات الممكنة المسحوبة لكل "
        "المدخلات غير المؤكدة.",
    },
    "first_on_all": {
        "en": "'{top}' is first on every criterion taken alone.",
        "ar": "«{top}» هو الأول وفق كل معيار على حدة.",
    },
    "first_on_some": {
        "en": "'{top}' is first on {k} of {m} criteria taken alone ({names}); it leads on their "
        "combination by the weights.",
        "ar": "«{top}» هو الأول وفق {k} من أصل {m} من المعايير على حدة ({names})؛ ويتقدم في "
        "مجموعها المرجّح بالأوزان.",
    },
    "first_on_ties": {
        "en": "It is tied for first, not ahead, on {n} more, where the options named come within "
        "the criterion's indifference threshold of it (a tie is not a lead): {names}.",
        "ar": "وهو متعادل في المرتبة الأولى، لا متقدم، وفق {n} من المعايير الأخرى، تقع فيها "
        "الخيارات المذكورة ضمن عتبة عدم التفضيل للمعيار منه (والتعادل ليس تقدمًا): {names}.",
    },
    "tied_with": {
        "en": "{criterion}, with {options}",
        "ar": "{criterion}، مع {options}",
    },
    "not_discriminating": {
        "en": "No option differs from another on {names} by more than the criterion's "
        "indifference threshold (two Monte Carlo standard errors of a difference, or rounding "
        "error), so the ranking gives every option the same value there.",
        "ar": "لا يختلف أي خيار عن غيره وفق {names} بأكثر من عتبة عدم التفضيل للمعيار (خطآن "
        "معياريان لفرق تقديرات مونت كارلو، أو خطأ التقريب)، لذا يمنح الترتيب كل الخيارات القيمة "
        "نفسها فيه.",
    },
    "top_differs": {
        "en": "The two analyses of this brief put different options first. The ranking "
        "({method} on the decision-maker's criteria at their central values) puts '{top}' "
        "first; the robustness analysis (the weighted sum of the criteria, its utility, in each "
        "sampled future) puts '{rtop}' first{share}. They differ in method (how the criteria "
        "are combined) and in what they read (the central values against the sampled futures).",
        "ar": "يضع تحليلا هذه المذكرة خيارين مختلفين في المرتبة الأولى. فالترتيب ({method} وفق "
        "معايير صانع القرار عند قيمها المركزية) يضع «{top}» أولًا؛ أما تحليل المتانة (المجموع "
        "المرجّح للمعايير، أي منفعته، في كل مستقبل مسحوب) فيضع «{rtop}» أولًا{share}. ويختلفان "
        "في الطريقة (كيف تُجمع المعايير) وفيما يقرآنه (القيم المركزية مقابل المستقبلات المسحوبة).",
    },
    "top_differs_share": {
        "en": ", best in {pct}% of the {n} sampled futures",
        "ar": "، وهو الأفضل في {pct}% من {n} مستقبلًا مسحوبًا",
    },
    "over_months": {"en": " over {months} months", "ar": " على مدى {months} شهرًا"},
    "ranking_horizon": {
        "en": "The world-model criteria are measured over {months} months ({paths} paths per "
        "option: the world model's default horizon); the consequences section and its "
        "judgements look {cmonths} months ahead.",
        "ar": "تُقاس معايير نموذج العالم على مدى {months} شهرًا ({paths} مسار لكل خيار: الأفق "
        "الافتراضي لنموذج العالم)؛ أما قسم العواقب وأحكامه فينظران {cmonths} شهرًا إلى الأمام.",
    },
    "ranking_horizon_alone": {
        "en": "The world-model criteria are measured over {months} months ({paths} paths per "
        "option: the world model's default horizon).",
        "ar": "تُقاس معايير نموذج العالم على مدى {months} شهرًا ({paths} مسار لكل خيار: الأفق "
        "الافتراضي لنموذج العالم).",
    },
    "robust_horizon": {
        "en": "The world model runs over {months} months in every sampled future (the "
        "exploratory model's default horizon).",
        "ar": "يعمل نموذج العالم على مدى {months} شهرًا في كل مستقبل مسحوب (الأفق الافتراضي "
        "للنموذج الاستكشافي).",
    },
    "levers_central": {
        "en": "Gains are in points of the actor's utility (salience-weighted closeness of the "
        "outcomes to its true positions, 0-100), at the scenario's central inputs only: this "
        "brief samples none of their uncertainty, so no share of sampled inputs is shown; a "
        "lever ranks high when it helps under most models. Credible bounds: declared in the "
        "scenario, else 15% of each scale.",
        "ar": "المكاسب بنقاط منفعة الفاعل (قرب النتائج من مواقفه الحقيقية مرجحًا بالأهمية، من 0 "
        "إلى 100)، عند المدخلات المركزية للسيناريو فقط: لا تسحب هذه المذكرة شيئًا من عدم يقينها، "
        "ولذلك لا تُعرض حصة من المدخلات المسحوبة؛ وتتقدم الرافعة في الترتيب إذا أفادت في معظم "
        "النماذج. حدود المصداقية: كما يعلنها السيناريو، وإلا 15% من كل مقياس.",
    },
    "levers_no_gain": {
        "en": "–: the model gave no result for that lever ({models}).",
        "ar": "–: لم يُعطِ النموذج نتيجة لهذه الرافعة ({models}).",
    },
    "sp_none": {
        "en": "No signposts in this brief: {why}",
        "ar": "لا مؤشرات في هذه المذكرة: {why}",
    },
    "sp_why_quick": {
        "en": "the breaking points they are read from are computed in the full brief only.",
        "ar": "نقاط التحول التي تُستخرج منها لا تُحسب إلا في المذكرة الكاملة.",
    },
    "sp_why_far": {
        "en": "no single uncertain input changes the top option within {z} spreads of its "
        "central value.",
        "ar": "لا يغيّر أي مدخل غير مؤكد وحده الخيار الأول ضمن {z} انحرافات عن قيمته المركزية.",
    },
    "sp_why_unexplored": {
        "en": "nothing the ranking reads was explored for what would change it.",
        "ar": "لم يُستكشف شيء مما يقرؤه الترتيب بحثًا عما قد يغيّره.",
    },
    "sp_why_no_threshold": {
        "en": "The world model's breakeven sets no threshold either (see the consequences).",
        "ar": "ولا يضع التعادل في نموذج العالم أي عتبة أيضًا (انظر العواقب).",
    },
    "breakeven_none": {
        "en": "Under '{option}', {what} is about {value} {unit} (median across paths): there is "
        "no threshold on {band}, since the other revenue already covers it at any value; no "
        "signpost is set on it.",
        "ar": "في ظل «{option}»، يبلغ {what} نحو {value} {unit} (الوسيط عبر المسارات): لا عتبة "
        "على {band}، إذ تغطيه الإيرادات الأخرى عند أي قيمة؛ ولا يُوضع عليه مؤشر.",
    },
    "prim_basis": {
        "en": "ensemble of {n} Latin-hypercube futures x {paths} paths",
        "ar": "مجموعة من {n} مستقبلًا × {paths} مسار",
    },
    "prim_basis_horizon": {
        "en": "ensemble of {n} Latin-hypercube futures x {paths} paths over {months} months",
        "ar": "مجموعة من {n} مستقبلًا × {paths} مسار على مدى {months} شهرًا",
    },
    "prim_basis_exact": {
        "en": "ensemble of {n} Latin-hypercube futures (the model has no random paths)",
        "ar": "مجموعة من {n} مستقبلًا (لا مسارات عشوائية في النموذج)",
    },
    "prim_screened": {
        "en": "{view}: PRIM looked for boxes among the {kept} of {inputs} uncertain inputs with the "
        "highest extra-trees feature scores for the futures where '{rec}' is not best (screening "
        "as in Kwakkel 2017); a box cannot restrict the others.",
        "ar": "{view}: بحث PRIM عن الصناديق بين {kept} من أصل {inputs} مدخلًا غير مؤكد، وهي "
        "الأعلى في درجات أهمية الأشجار العشوائية جدًا للمستقبلات التي لا يكون فيها «{rec}» "
        "الأفضل (فرز كما عند Kwakkel 2017)؛ ولا يقيّد أي صندوق المدخلات الأخرى.",
    },
    "prim_no_box": {
        "en": "{view}: PRIM found no box: '{rec}' is not best in only {k} of {n} sampled futures, "
        "too few and too scattered to form a region.",
        "ar": "{view}: لم يجد PRIM أي صندوق: لا يكون «{rec}» الأفضل إلا في {k} من أصل {n} مستقبلًا، "
        "وهي قليلة ومتفرقة لا تشكل منطقة.",
    },
    "no_world": {
        "en": "The scenario declares no world model, so the brief shows no simulated consequences "
        "of the options.",
        "ar": "لا يصرّح السيناريو بنموذج للعالم، ولذلك لا تعرض المذكرة عواقب محاكاة للخيارات.",
    },
    "no_world_change": {
        "en": "No decision criterion measures the world model and the scenario declares no game: "
        "there is no explored ranking whose breaking points, PRIM boxes or regret could be "
        "computed (the ranking's weight stability shows how far the weights can move).",
        "ar": "لا يقيس أي معيار قرار نموذج العالم ولا يصرّح السيناريو بلعبة: لا يوجد ترتيب مستكشَف "
        "يمكن حساب نقاط تحوله أو صناديق PRIM أو الندم فيه (يبيّن ثبات الأوزان في قسم الترتيب إلى "
        "أي حد يمكن أن تتغير الأوزان).",
    },
    "no_uncertain": {
        "en": "The scenario declares no uncertain input that the ranking {on} reads: there is "
        "nothing whose change could be explored (give its judgements a distribution or a "
        "confidence).",
        "ar": "لا يصرّح السيناريو بأي مدخل غير مؤكد يقرؤه الترتيب {on}: لا شيء يمكن استكشاف أثر "
        "تغيّره (أعطِ تقديراته توزيعًا أو درجة ثقة).",
    },
    "no_options": {
        "en": "The scenario gives the focal actor fewer than two options: there is nothing to compare.",
        "ar": "لا يعطي السيناريو الفاعل المعني خيارين على الأقل: لا شيء للمقارنة.",
    },
    "no_issues": {
        "en": "The scenario has no agenda issues to forecast.",
        "ar": "لا يتضمن السيناريو بنودًا في جدول الأعمال للتوقع.",
    },
    "no_game": {
        "en": "The scenario declares no game: the alliance choice is not analysed as a game.",
        "ar": "لا يصرّح السيناريو بلعبة: لا يُحلَّل خيار التحالف بوصفه لعبة.",
    },
    "no_criteria": {
        "en": "The scenario declares no decision criteria or no options: there is no ranking.",
        "ar": "لا يصرّح السيناريو بمعايير قرار أو بخيارات: لا يوجد ترتيب.",
    },
    "p_of": {"en": "P({event})", "ar": "احتمال {event}"},
    "risk_table_title": {
        "en": "Risk table ({paths} paths x {months} months)",
        "ar": "جدول المخاطر ({paths} مسار × {months} شهرًا)",
    },
    "breakeven": {
        "en": "Under '{option}', {what} is about {value} {unit} (median across paths, emergent from "
        "the model).",
        "ar": "في ظل «{option}»، يبلغ {what} نحو {value} {unit} (الوسيط عبر المسارات، ناتج عن النموذج).",
    },
    "breakeven_sim": {
        "en": "In the simulation the shortfall it guards against becomes more likely than not below "
        "about {value} {unit}, once buffers are used.",
        "ar": "وفي المحاكاة يصبح العجز الذي يقي منه أرجح من عدمه دون نحو {value} {unit} بعد استنفاد "
        "الاحتياطيات.",
    },
    "breakeven_ref": {
        "en": "The scenario's reference value is {value} {unit}.",
        "ar": "القيمة المرجعية في السيناريو {value} {unit}.",
    },
    "sp_breakeven": {
        "en": "{band} below about {value} {unit} for several months ({what}).",
        "ar": "{band} دون نحو {value} {unit} لعدة أشهر ({what}).",
    },
    "model_failed": {
        "en": "{model} could not forecast this scenario: {error}",
        "ar": "تعذّر على النموذج {model} التوقع لهذا السيناريو.",
    },
    "predictive_title": {
        "en": "Predictive distribution per issue (ensemble of {k} models): median and 50/80/95% "
        "intervals",
        "ar": "التوزيع التنبؤي لكل بند (مجموعة من {k} نماذج): الوسيط ومجالات 50/80/95%",
    },
    "predictive_basis": {
        "en": "ensemble of {k} bargaining models, input uncertainty and calibrated error",
        "ar": "مجموعة من {k} نماذج تفاوض، مع عدم اليقين في المدخلات والخطأ المعايَر",
    },
    "predictive_note": {
        "en": "Ensemble weights (out-of-sample skill on the calibration file): {models}; "
        "{draws} input draws per model, {n} predictive draws per issue. The models' points "
        "show how far they disagree.",
        "ar": "أوزان المجموعة (المهارة خارج العينة في ملف المعايرة): {models}؛ {draws} سحبًا "
        "للمدخلات لكل نموذج و{n} سحبًا تنبؤيًا لكل بند. تُظهر توقعات النماذج مدى اختلافها.",
    },
    "predictive_bluf": {
        "en": "Where the dialogue lands (ensemble median [80% interval]): {parts}.",
        "ar": "أين ينتهي الحوار (الوسيط [مجال 80%] للمجموعة): {parts}.",
    },
    "interval_judgement": {
        "en": "the outcome on '{issue}' lies between {lo} and {hi} (median {median}; the models' "
        "points span {spread}).",
        "ar": "تقع النتيجة في «{issue}» بين {lo} و{hi} (الوسيط {median}؛ وتمتد توقعات النماذج على {spread}).",
    },
    "claims_narrow": {
        "en": "A verdict marked 'narrow margin' rests on a payoff difference under {share} of the "
        "range of the payoffs compared: the judgements behind the payoffs are far less precise, "
        "so read it as undecided (the sweeps show where it turns).",
        "ar": "الحكم الموسوم «بفارق ضئيل» يستند إلى فرق في العوائد يقل عن {share} من مدى العوائد "
        "المقارنة: والتقديرات التي تقوم عليها العوائد أقل دقة بكثير، فاقرأه حكمًا غير محسوم "
        "(تبيّن عمليات المسح أين ينقلب).",
    },
    "interval_unit": {
        "en": " In {unit}: {lo} to {hi}, median {median}.",
        "ar": " بوحدة {unit}: من {lo} إلى {hi}، والوسيط {median}.",
    },
    "threshold_below": {
        "en": "'{issue}' ends below {value} ({unit})",
        "ar": "تنتهي «{issue}» دون {value} ({unit})",
    },
    "threshold_above": {
        "en": "'{issue}' ends above {value} ({unit})",
        "ar": "تنتهي «{issue}» فوق {value} ({unit})",
    },
    "stability_title": {
        "en": "Weight stability ({method}): how far each weight can move (others rescaled) "
        "before the top option changes",
        "ar": "ثبات الأوزان ({method}): إلى أي حد يمكن أن يتغير كل وزن (مع إعادة قياس البقية) قبل "
        "أن يتغير الخيار الأول",
    },
    "bluf_unresolved": {
        "en": "At the central values '{top}' and '{winner}' are tied within Monte Carlo error "
        "{basis}: the simulation does not say which of the two is first.",
        "ar": "عند القيم المركزية يتعادل «{top}» و«{winner}» ضمن خطأ مونت كارلو {basis}: لا تحدد "
        "المحاكاة أيهما الأول.",
    },
    "bluf_no_flip": {
        "en": "No change of the uncertain inputs that was searched flips the ranking: '{top}' stays "
        "first {basis}.",
        "ar": "لا يقلب أي تغيير جرى البحث فيه للمدخلات غير المؤكدة الترتيب: يبقى «{top}» الأول "
        "{basis}.",
    },
    "bluf_flip_outside": {
        "en": "Nothing within the declared uncertainty flips the ranking: the nearest flip lies "
        "{beta} spreads from the central values (mostly {movers}).",
        "ar": "لا شيء ضمن عدم اليقين المصرَّح به يقلب الترتيب: أقرب انقلاب يقع على بعد {beta} "
        "انحرافات من القيم المركزية (أساسًا {movers}).",
    },
    "bluf_flip_inside": {
        "en": "'{top}' is first {basis}, but a change of {beta} spreads in the "
        "inputs (mostly {movers}), within the declared uncertainty, flips the ranking.",
        "ar": "«{top}» هو الأول {basis}، لكن تغييرًا قدره {beta} انحرافات في المدخلات "
        "(أساسًا {movers})، ضمن عدم اليقين المصرَّح به، يقلب الترتيب.",
    },
    "mc_unresolved": {
        "en": "{view}: '{top}' leads by {gap}, within two Monte Carlo standard errors "
        "({se}): the paths used do not resolve the ranking at the central values, so the "
        "breaking points near the centre are uncertain too.",
        "ar": "{view}: يتقدم «{top}» بفارق {gap}، ضمن خطأين معياريين من أخطاء مونت كارلو "
        "({se}): لا تحسم المسارات المستخدمة الترتيب عند القيم المركزية، ولذلك فنقاط التحول القريبة "
        "من المركز غير مؤكدة أيضًا.",
    },
    "view_method_failed": {
        "en": "{view}: {method} could not be computed: {error}",
        "ar": "{view}: تعذّر حساب {method}.",
    },
    "breaking_title": {
        "en": "{view}: breaking points of '{top}', nearest first (value (spreads ± s.e.) → the "
        "option that takes over)",
        "ar": "{view}: نقاط تحول «{top}»، الأقرب أولًا (القيمة (انحرافات ± الخطأ المعياري) ← الخيار "
        "الذي يتقدم)",
    },
    "breaking_quick": {
        "en": "{view}: breaking points and the nearest flip are computed in the full brief only "
        "(or with `melian explore --method breaking`); the quick brief shows PRIM and regret.",
        "ar": "{view}: تُحسب نقاط التحول وأقرب انقلاب في الموجز الكامل فقط (أو بالأمر "
        "`melian explore --method breaking`)؛ يعرض الموجز السريع PRIM والندم.",
    },
    "breaking_none": {
        "en": "{view}: {n} of {m} uncertain inputs cannot make '{top}' lose first place on their "
        "own within ±{zmax} spreads.",
        "ar": "{view}: {n} من أصل {m} من المدخلات غير المؤكدة لا يمكنها وحدها أن تُفقد «{top}» "
        "المرتبة الأولى ضمن ±{zmax} انحرافات.",
    },
    "flip_none": {
        "en": "{view}: no combination of inputs searched flips the ranking; '{top}' stays first.",
        "ar": "{view}: لا تقلب أي توليفة من المدخلات جرى البحث فيها الترتيب؛ يبقى «{top}» الأول.",
    },
    "flip_outside": {
        "en": "{view}: nothing within the declared uncertainty (±{within} spreads) flips the "
        "ranking. The nearest flip lies {beta} spreads from the central values, {beyond} "
        "spreads outside that range; there '{winner}' overtakes '{top}', and the inputs that "
        "move most are {movers}.",
        "ar": "{view}: لا شيء ضمن عدم اليقين المصرَّح به (±{within} انحرافات) يقلب الترتيب. يقع أقرب "
        "انقلاب على بعد {beta} انحرافات من القيم المركزية، أي {beyond} انحرافات خارج هذا المدى؛ "
        "وهناك يتقدم «{winner}» على «{top}»، والمدخلات الأكثر تحركًا هي {movers}.",
    },
    "flip_inside": {
        "en": "{view}: a change of {beta} spreads in the inputs, within the declared uncertainty, "
        "flips the ranking: '{winner}' overtakes '{top}'; the inputs that move most are {movers}.",
        "ar": "{view}: تغيير قدره {beta} انحرافات في المدخلات، ضمن عدم اليقين المصرَّح به، يقلب "
        "الترتيب: يتقدم «{winner}» على «{top}»؛ والمدخلات الأكثر تحركًا هي {movers}.",
    },
    "sp_switch_low": {
        "en": "{param} below {value} ({z} spreads from its central value): '{winner}' overtakes "
        "'{top}'.",
        "ar": "{param} دون {value} ({z} انحرافات عن قيمته المركزية): يتقدم «{winner}» على «{top}».",
    },
    "sp_switch_high": {
        "en": "{param} above {value} ({z} spreads from its central value): '{winner}' overtakes "
        "'{top}'.",
        "ar": "{param} فوق {value} ({z} انحرافات عن قيمته المركزية): يتقدم «{winner}» على «{top}».",
    },
    "prim_title": {
        "en": "{view}: which option is best across {n} sampled futures",
        "ar": "{view}: أي خيار هو الأفضل عبر {n} مستقبلًا ممكنًا",
    },
    "prim_box": {
        "en": "{view}: PRIM box {box} where '{rec}' is not best (coverage {coverage}, "
        "density {density})",
        "ar": "{view}: صندوق PRIM رقم {box} حيث لا يكون «{rec}» هو الأفضل (التغطية {coverage}، "
        "الكثافة {density})",
    },
    "regret_title": {
        "en": "{view}: regret across {n} futures (utility {basis})",
        "ar": "{view}: الندم عبر {n} مستقبلًا (المنفعة {basis})",
    },
    "zero-sum": {"en": "zero-sum", "ar": "المحصلة الصفرية"},
    "variable-sum": {"en": "variable-sum", "ar": "المحصلة المتغيرة"},
}


def tf(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang`` with its fields filled in (English when no translation)."""
    entry = SENTENCES[key]
    return (entry.get(lang) or entry["en"]).format(**fields)


#: Table headers, chart labels and short phrases of the analysis sections (English -> Arabic).
PHRASES: dict[str, str] = {
    "indifference threshold": "عتبة عدم التفضيل",
    "framing": "الإطار",
    "Nash (simultaneous responses)": "توازن ناش (ردود متزامنة)",
    "subgame-perfect (sequential)": "التوازن الكامل للألعاب الفرعية (ردود متتابعة)",
    "utility": "المنفعة",
    "utility difference": "فرق المنفعة",
    "futures where best": "المستقبلات التي يكون فيها الأفضل",
    "range in the box": "النطاق داخل الصندوق",
    "no input restricted": "لا يقيّد أي مُدخل",
    "the whole sampled space (the box's density is the base rate)": (
        "كامل الفضاء المسحوب (كثافة الصندوق هي المعدل الأساسي)"
    ),
    "quasi-p (low, high)": "شبه قيمة p (الأدنى، الأعلى)",
    "maximum regret": "الندم الأقصى",
    "90th percentile": "المئين التسعون",
    "mean regret": "متوسط الندم",
    "criterion values per option (the evidence)": "قيم المعايير لكل خيار (الأدلة)",
    "from": "المصدر التحليلي",
    "interval": "المجال",
    "top option below / above it": "الخيار الأول دونه / فوقه",
    "paths": "مسار",
    "months": "شهرًا",
    "security": "الأمن",
    "autonomy": "الاستقلالية",
    "economy": "الاقتصاد",
    "abandonment": "التخلي",
    "entrapment": "التوريط",
    "contest": "التنافس",
    "cost": "الكلفة",
    "direct": "مباشرة",
    "ahp": "التحليل الهرمي (AHP)",
    "swing": "التأرجح",
}


def h(text: str, lang: str) -> str:
    """A header or short phrase in ``lang`` (Arabic from :data:`PHRASES`; else unchanged)."""
    return PHRASES.get(text, text) if lang == "ar" else text


#: Kinds of actors and of criteria measures, by their schema value.
KINDS: dict[str, dict[str, str]] = {
    "state": {"en": "state", "ar": "دولة"},
    "faction": {"en": "faction", "ar": "فصيل"},
    "armed_group": {"en": "armed group", "ar": "جماعة مسلحة"},
    "organisation": {"en": "organisation", "ar": "منظمة"},
    "individual": {"en": "individual", "ar": "فرد"},
    "world": {"en": "world model", "ar": "نموذج العالم"},
    "game": {"en": "game", "ar": "اللعبة"},
    "forecast": {"en": "forecast", "ar": "التوقع"},
    "judgement": {"en": "judgement", "ar": "تقدير"},
    "low": {"en": "low", "ar": "منخفضة"},
    "medium": {"en": "medium", "ar": "متوسطة"},
    "high": {"en": "high", "ar": "عالية"},
    "breaking": {"en": "breaking points", "ar": "نقاط التحول"},
    "prim": {"en": "PRIM", "ar": "PRIM"},
    "regret": {"en": "regret", "ar": "الندم"},
}


def t_kind(kind: str, lang: str) -> str:
    """An actor or measure kind in ``lang`` (unchanged when it has no entry)."""
    entry = KINDS.get(kind)
    return kind if entry is None else entry.get(lang) or entry["en"]


#: Units the world's components declare (and common scenario units), English -> Arabic.
UNITS: dict[str, str] = {
    "probability": "احتمال",
    "money bn": "مليار بعملة الحساب",
    "money/unit": "عملة الحساب للوحدة",
    "money bn/month": "مليار بعملة الحساب شهريًا",
    "money bn/year": "مليار بعملة الحساب سنويًا",
    "months": "أشهر",
    "months of payroll": "أشهر من الرواتب",
    "fraction/year": "نسبة سنوية",
    "fraction": "نسبة",
    "index (1 = as of)": "مؤشر (1 = تاريخ الوضع)",
    "index (1 = as-of)": "مؤشر (1 = تاريخ الوضع)",
    "log hazard ratio": "لوغاريتم نسبة الخطر",
    "attacks": "هجمات",
    "attacks/month": "هجمات شهريًا",
    "per month": "شهريًا",
    "years": "سنوات",
    "index": "مؤشر",
    "index 0-1": "مؤشر 0-1",
}


def unit_text(unit: str | None, lang: str) -> str:
    """A unit in ``lang``: Arabic from :data:`UNITS`, else unchanged (units the scenario writes)."""
    if not unit:
        return ""
    return UNITS.get(unit, unit) if lang == "ar" else unit


#: Arabic statements of the game's propositions (:data:`melian.games.claims.CLAIMS`), by id.
CLAIMS_AR: dict[str, str] = {
    "ally-best-response": "التحالف مع الراعي هو أفضل رد للدولة المعنية حين يقدّم الراعي الدعم",
    "defection-sanctioned": "الابتعاد عن الراعي يستدعي ردًا عدائيًا منه في التوازن",
    "small-state-gains-more": "مكسب الدولة الصغيرة من التحالف يفوق مكسب الراعي",
    "small-state-gains-more-security": "المكسب الأمني للدولة الصغيرة من التحالف يفوق مكسب الراعي",
    "pivot-less-secure": "التحول إلى الراعي البديل يترك الدولة المعنية أقل أمنًا من التحالف",
    "pivot-provokes-patron": "التحول إلى الراعي البديل يستفز عداء الراعي",
    "rival-accepts-alliance": "يقبل الخصم تحالف الدولة المعنية مع الراعي",
    "alliance-beats-enmity": "التحالف مع الراعي أفضل من معاداته",
    "alliance-in-equilibrium": "تتحالف الدولة المعنية مع الراعي في التوازن الكامل للألعاب الفرعية",
}


def claim_text(cid: str, statement: str, lang: str) -> str:
    """A proposition of the game in ``lang`` (its English statement when no translation)."""
    return CLAIMS_AR.get(cid, statement) if lang == "ar" else statement
