"""Name frequency tables for the synthetic county (data only).

Surname shares are per cent of people and lean towards Shandong (王, 张, 刘, 李 lead;
陈 and 黄 are rarer than nationally). Given-name characters are listed per birth cohort
and sex, most frequent first; weights fall off along each list (see ``names.py``).
"""

from __future__ import annotations

from typing import Final

# (surname, share in per cent); shares need not sum to 100, they are normalised.
SURNAMES: Final[tuple[tuple[str, float], ...]] = (
    ("王", 9.0),
    ("张", 8.0),
    ("李", 7.2),
    ("刘", 7.0),
    ("孙", 2.6),
    ("赵", 2.4),
    ("陈", 2.2),
    ("杨", 2.1),
    ("高", 1.9),
    ("徐", 1.8),
    ("马", 1.7),
    ("于", 1.6),
    ("宋", 1.3),
    ("郭", 1.3),
    ("褚", 0.1),
    ("朱", 1.2),
    ("胡", 0.9),
    ("吴", 0.9),
    ("周", 1.0),
    ("田", 1.0),
    ("韩", 1.0),
    ("董", 0.9),
    ("孟", 0.9),
    ("曹", 0.8),
    ("许", 0.8),
    ("侯", 0.7),
    ("魏", 0.7),
    ("邵", 0.6),
    ("黄", 0.6),
    ("林", 0.6),
    ("何", 0.5),
    ("罗", 0.4),
    ("郑", 0.6),
    ("梁", 0.5),
    ("谢", 0.4),
    ("唐", 0.4),
    ("邓", 0.3),
    ("冯", 0.6),
    ("彭", 0.4),
    ("曾", 0.2),
    ("肖", 0.5),
    ("潘", 0.4),
    ("袁", 0.5),
    ("蔡", 0.3),
    ("蒋", 0.4),
    ("余", 0.2),
    ("杜", 0.6),
    ("叶", 0.2),
    ("程", 0.5),
    ("苏", 0.5),
    ("吕", 0.6),
    ("丁", 0.6),
    ("任", 0.6),
    ("卢", 0.4),
    ("姚", 0.4),
    ("沈", 0.3),
    ("钟", 0.2),
    ("姜", 0.8),
    ("崔", 0.7),
    ("谭", 0.2),
    ("陆", 0.2),
    ("范", 0.5),
    ("汪", 0.2),
    ("廖", 0.1),
    ("石", 0.5),
    ("金", 0.4),
    ("贾", 0.6),
    ("夏", 0.3),
    ("付", 0.5),
    ("方", 0.3),
    ("邹", 0.3),
    ("熊", 0.1),
    ("白", 0.4),
    ("秦", 0.5),
    ("邱", 0.3),
    ("江", 0.2),
    ("尹", 0.4),
    ("薛", 0.5),
    ("闫", 0.4),
    ("段", 0.3),
    ("雷", 0.2),
    ("龙", 0.1),
    ("史", 0.4),
    ("陶", 0.2),
    ("贺", 0.3),
    ("毛", 0.3),
    ("郝", 0.4),
    ("顾", 0.1),
    ("龚", 0.1),
    ("万", 0.2),
    ("武", 0.5),
    ("钱", 0.2),
    ("戴", 0.2),
    ("严", 0.2),
    ("孔", 0.6),
    ("常", 0.3),
    ("汤", 0.1),
    ("康", 0.3),
    ("乔", 0.3),
    ("牛", 0.3),
    ("庞", 0.3),
    ("樊", 0.2),
    ("殷", 0.2),
    ("葛", 0.3),
    ("颜", 0.3),
    ("鲁", 0.3),
    ("房", 0.2),
    ("刁", 0.1),
    ("鞠", 0.1),
    ("井", 0.1),
    ("仇", 0.1),
    ("展", 0.1),
    ("亓", 0.05),
    ("逄", 0.05),
    ("欧阳", 0.03),
    ("司马", 0.005),
    ("诸葛", 0.01),
    ("上官", 0.003),
)

# Cohorts by year of birth: index i covers years [COHORT_STARTS[i], COHORT_STARTS[i+1]).
COHORT_STARTS: Final[tuple[int, ...]] = (1800, 1950, 1970, 1985, 2000, 2010)

# Probability that a given name has one character, per cohort.
SINGLE_CHAR_SHARE: Final[tuple[float, ...]] = (0.12, 0.18, 0.22, 0.18, 0.07, 0.03)

# Probability that a two-character given name is a common whole name from the lists below.
WHOLE_NAME_SHARE: Final = 0.10

# Given-name characters per cohort, most common first.
MALE_CHARS: Final[tuple[str, ...]] = (
    "德文明福贵才忠宝山海林玉成发祥荣财金春生有长义广庆启振兴云",
    "建国军华明平强勇伟民东红卫新忠志学庆立胜林文春海全金刚振",
    "伟勇军强磊斌波涛峰杰刚辉健超明华亮东鹏飞林兵龙锋俊建永",
    "伟磊鹏超杰浩涛强亮鑫宇凯帅斌飞林明晨阳龙博健振旭",
    "浩宇子轩博文涛鑫杰一俊晨泽豪天佳昊明辰睿航",
    "子梓宇轩浩睿泽一辰沐铭奕宸皓俊诺航瑞锦煜",
)
FEMALE_CHARS: Final[tuple[str, ...]] = (
    "秀英兰桂玉凤珍芳淑贞翠香荣花梅云素月",
    "秀英玉兰桂凤华芳霞红艳萍丽敏珍玲琴云梅",
    "丽芳艳红燕霞敏静玲娟英梅萍秀莉华",
    "静丽婷娜敏燕艳雪晶丹倩颖琳慧玲娟",
    "欣佳雨怡婷萱雪思琪梦瑶静悦晨涵",
    "梓涵欣一诺雨子萱可馨若依汐沐语彤",
)
# Less common characters of every cohort, appended after the cohort's own list.
MALE_EXTRA: Final = (
    "志国家永立光海明伟文华建平军强成东林勇杰涛斌超鹏飞波辉刚健峰磊亮俊宇浩博凯龙胜德春福贵"
    "才兴荣祥顺义忠信仁礼智勤学良善正喜宏彬昌振朝晨阳洋新鑫金山水石松柏青云雷锋铁钢铭"
)
FEMALE_EXTRA: Final = (
    "秀英兰芳丽华玉霞红梅燕敏静娟玲萍艳莉娜婷雪琳倩颖慧洁丹佳欣怡雨涵萱悦晴琪瑶诗梦月云凤"
    "珍桂香春秋菊荷莲娥翠素淑贞美琼彩晓妍蕾薇璐露楠茜蓉婉媛嘉宁"
)
MALE_WHOLE: Final[tuple[tuple[str, ...], ...]] = (
    ("德福", "德胜", "宝山", "长福", "玉山", "福全", "振海", "金生", "文华", "庆祥"),
    ("建国", "建军", "国强", "建华", "国庆", "卫东", "红军", "建平", "志强", "文明"),
    ("海涛", "志强", "建伟", "永刚", "海波", "晓东", "志刚", "国栋", "建新", "立新"),
    ("晓东", "文博", "家豪", "俊杰", "浩然", "志强", "鹏飞", "晓明", "振宇", "子健"),
    ("子豪", "浩然", "宇轩", "博文", "子轩", "浩宇", "俊杰", "宇航", "天宇", "梓豪"),
    ("梓轩", "子墨", "宇轩", "浩宇", "一诺", "沐宸", "奕辰", "梓豪", "俊熙", "铭泽"),
)
FEMALE_WHOLE: Final[tuple[tuple[str, ...], ...]] = (
    ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉珍", "淑珍", "翠花"),
    ("秀英", "桂芳", "秀云", "玉梅", "红梅", "丽华", "秀芳", "淑芬", "桂荣", "凤霞"),
    ("海燕", "丽娟", "晓燕", "红霞", "丽丽", "艳红", "春燕", "秀丽", "晓梅", "美玲"),
    ("婷婷", "晓燕", "丽娜", "雪梅", "佳丽", "欣怡", "晓丽", "静静", "亚楠", "丹丹"),
    ("欣怡", "佳怡", "梦琪", "雨欣", "诗涵", "思雨", "雨涵", "佳琪", "梦瑶", "可欣"),
    ("子涵", "梓涵", "一诺", "欣怡", "若汐", "雨桐", "语桐", "可馨", "依诺", "梓萱"),
)

# Rare characters (outside GB2312 or badly supported by old systems) with toneless pinyin,
# used in a small share of given names; feeds replace them by "*" or the pinyin.
RARE_CHARS: Final[tuple[tuple[str, str], ...]] = (
    ("喆", "zhe"),
    ("堃", "kun"),
    ("玥", "yue"),
    ("昇", "sheng"),
    ("珺", "jun"),
    ("彧", "yu"),
    ("旻", "min"),
    ("赟", "yun"),
    ("淼", "miao"),
    ("犇", "ben"),
    ("垚", "yao"),
    ("焱", "yan"),
    ("晔", "ye"),
    ("翀", "chong"),
    ("祎", "yi"),
    ("珏", "jue"),
    ("琰", "yan"),
    ("瑄", "xuan"),
    ("璟", "jing"),
    ("頔", "di"),
    ("昶", "chang"),
    ("曌", "zhao"),
    ("玙", "yu"),
    ("瓅", "li"),
    ("龑", "yan"),
    ("燊", "shen"),
    ("骉", "biao"),
    ("昳", "yi"),
    ("暐", "wei"),
    ("瑀", "yu"),
    ("禛", "zhen"),
    ("珩", "heng"),
    ("玹", "xuan"),
    ("甯", "ning"),
    ("堉", "yu"),
)
# Share of given names that contain one rare character, per cohort.
RARE_SHARE: Final[tuple[float, ...]] = (0.002, 0.003, 0.006, 0.02, 0.035, 0.04)

# Ethnic groups (GB/T 3304 names) with shares in per cent for a Shandong county.
ETHNIC_GROUPS: Final[tuple[tuple[str, float], ...]] = (
    ("汉族", 98.75),
    ("回族", 0.80),
    ("满族", 0.18),
    ("蒙古族", 0.07),
    ("朝鲜族", 0.04),
    ("壮族", 0.04),
    ("苗族", 0.03),
    ("土家族", 0.03),
    ("维吾尔族", 0.03),
    ("彝族", 0.02),
    ("藏族", 0.01),
    ("哈萨克族", 0.01),
)
# Groups whose names are written as transliterated given name "·" father's name.
DOTTED_NAME_GROUPS: Final = frozenset({"维吾尔族", "哈萨克族"})
DOTTED_MALE: Final[tuple[str, ...]] = (
    "买买提",
    "艾力",
    "阿不都",
    "吐尔逊",
    "艾尔肯",
    "努尔",
    "热合曼",
    "艾则孜",
    "阿布拉",
    "伊力哈木",
    "肉孜",
    "卡德尔",
)
DOTTED_FEMALE: Final[tuple[str, ...]] = (
    "阿依古丽",
    "古丽娜尔",
    "热依拉",
    "帕提古丽",
    "迪丽拜尔",
    "阿依努尔",
    "米热古丽",
    "祖丽皮亚",
    "努尔古丽",
)

# Milk names (乳名) written on birth certificates before the formal name is chosen.
MILK_NAMES: Final[tuple[str, ...]] = (
    "小宝",
    "宝宝",
    "乐乐",
    "甜甜",
    "豆豆",
    "妞妞",
    "欢欢",
    "贝贝",
    "小雨",
    "壮壮",
    "果果",
    "丫丫",
    "朵朵",
    "小胖",
    "毛毛",
)
