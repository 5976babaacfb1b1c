"""Subject vocabularies of the demo catalog: what each department publishes.

Every :class:`Subject` is a template for one family of datasets (a title pattern, tags,
themes, a description and the column layout of its CSV file).  ``content.datasets()``
expands subjects into concrete datasets per year or per city.

Column specs are small tuples interpreted by ``content._generate_rows``; build them with
the helper functions below rather than by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Spec = tuple[Any, ...]
Column = tuple[str, Spec]


# --------------------------------------------------------------------------- spec helpers


def pick(*options: str) -> Spec:
    """A random choice among ``options`` (repeat an option to weight it)."""
    return ("pick", options)


def one_of(text: str) -> Spec:
    """A random choice among the space-separated words of ``text``."""
    return ("pick", words(text))


def words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text`` as a tuple (compact vocabulary lists)."""
    return tuple(text.split())


def integer(lo: int, hi: int) -> Spec:
    """A random integer in ``[lo, hi]``."""
    return ("int", lo, hi)


def num(lo: float, hi: float, nd: int = 1) -> Spec:
    """A random decimal in ``[lo, hi]`` rounded to ``nd`` digits."""
    return ("num", lo, hi, nd)


def scaled(lo: float, hi: float, nd: int = 1) -> Spec:
    """Like :func:`num`, scaled by the row city's population (bigger cities, bigger numbers)."""
    return ("cnum", lo, hi, nd)


def seq(template: str) -> Spec:
    """The 1-based row number formatted with ``template`` (e.g. ``"{:03d}"``)."""
    return ("seq", template)


def fmt(template: str, **choices: tuple[str, ...]) -> Spec:
    """A formatted string, unique within its column when possible.

    Placeholders: ``city``, ``county``, ``citycode``, ``year``, ``year4`` (year + 4),
    ``i`` (row number), ``n`` (1-30), ``m`` (1-12) and one per keyword in ``choices``.
    """
    return ("fmt", template, choices)


def item(pool: tuple[tuple[Any, ...], ...], index: int) -> Spec:
    """Field ``index`` of the pool entry for this row (row ``i`` uses ``pool[i % len]``)."""
    return ("item", pool, index)


def item_num(
    pool: tuple[tuple[Any, ...], ...], index: int, spread: float = 0.05, nd: int = 1
) -> Spec:
    """A numeric pool field varied by +/- ``spread``."""
    return ("item_num", pool, index, spread, nd)


def derive(name: str, *args: Any) -> Spec:
    """A value computed from earlier columns of the same row (see ``content._DERIVED``)."""
    return ("derive", name, *args)


def credit(prefix: str = "91") -> Spec:
    """A valid unified social credit code registered in the row's city."""
    return ("credit", prefix)


def const(value: str) -> Spec:
    """The same value on every row."""
    return ("const", value)


def clock(lo_hour: int, hi_hour: int) -> Spec:
    """A time of day ``HH:MM`` between the given hours."""
    return ("time", lo_hour, hi_hour)


def day(step: int = 1) -> Spec:
    """Consecutive dates from 1 January of the dataset year, ``step`` days apart."""
    return ("date", step)


CITY: Spec = ("city",)
COUNTY: Spec = ("county",)
ADDRESS: Spec = ("addr",)
PHONE: Spec = ("phone",)
LNG: Spec = ("lng",)
LAT: Spec = ("lat",)
ANY_DATE: Spec = ("rdate",)
MONTH: Spec = ("month",)


@dataclass(frozen=True)
class Subject:
    """A family of datasets published by one department.

    ``variant`` is ``"year"`` (one dataset per year), ``"area"`` (province-wide plus one
    per city) or ``"province"`` (a single province-wide dataset).  Title and notes may use
    ``{year}``, ``{area}`` and (titles only) ``{area_en}``.
    """

    key: str
    title: str
    title_en: str
    variant: str
    tags: tuple[str, ...]
    groups: tuple[str, ...]
    notes: str
    columns: tuple[Column, ...]
    file: str
    freq: str = "yearly"
    rows: tuple[int, int] = (8, 30)
    per_city: bool = False
    source: str = ""


# --------------------------------------------------------------------------- shared words

COMPANY = words("恒源 金泰 鑫达 宏润 瑞丰 永盛 德润 华盛 泰和 润丰 博远 嘉禾")
COMPANY_NAME = fmt(
    "{city}{a}{b}有限公司",
    a=COMPANY,
    b=("科技", "实业", "化工", "食品", "机械", "建材", "商贸", "置业"),
)
BUS_STOPS = words(
    "火车站 汽车总站 人民医院 体育中心 大学城 高新区管委会 市政府 "
    "植物园 会展中心 经济开发区 世纪广场 高铁北站 汽车东站 科技园 "
    "中心医院 奥体中心 老城区 新城公交枢纽 产业园 滨河公园"
)
OFFICE_HOURS = (
    "周一至周五 9:00-17:00",
    "周一至周五 8:30-12:00 13:30-17:00",
    "周一至周日 9:00-17:00",
    "工作日 8:30-17:30",
)
PASS_FAIL = ("合格",) * 9 + ("不合格",)

# --------------------------------------------------------------------------- lookup pools

UNIVERSITIES: tuple[tuple[str, ...], ...] = (
    ("山东大学", "济南市", "本科", "教育部", "公办"),
    ("中国海洋大学", "青岛市", "本科", "教育部", "公办"),
    ("中国石油大学（华东）", "青岛市", "本科", "教育部", "公办"),
    ("山东师范大学", "济南市", "本科", "省教育厅", "公办"),
    ("青岛大学", "青岛市", "本科", "省教育厅", "公办"),
    ("济南大学", "济南市", "本科", "省教育厅", "公办"),
    ("山东科技大学", "青岛市", "本科", "省教育厅", "公办"),
    ("山东农业大学", "泰安市", "本科", "省教育厅", "公办"),
    ("曲阜师范大学", "济宁市", "本科", "省教育厅", "公办"),
    ("烟台大学", "烟台市", "本科", "省教育厅", "公办"),
    ("聊城大学", "聊城市", "本科", "省教育厅", "公办"),
    ("临沂大学", "临沂市", "本科", "省教育厅", "公办"),
    ("山东理工大学", "淄博市", "本科", "省教育厅", "公办"),
    ("山东财经大学", "济南市", "本科", "省教育厅", "公办"),
    ("鲁东大学", "烟台市", "本科", "省教育厅", "公办"),
    ("潍坊学院", "潍坊市", "本科", "省教育厅", "公办"),
    ("德州学院", "德州市", "本科", "省教育厅", "公办"),
    ("菏泽学院", "菏泽市", "本科", "省教育厅", "公办"),
    ("枣庄学院", "枣庄市", "本科", "省教育厅", "公办"),
    ("滨州学院", "滨州市", "本科", "省教育厅", "公办"),
    ("青岛黄海学院", "青岛市", "本科", "省教育厅", "民办"),
    ("烟台南山学院", "烟台市", "本科", "省教育厅", "民办"),
    ("济南职业学院", "济南市", "专科", "济南市人民政府", "公办"),
    ("日照职业技术学院", "日照市", "专科", "日照市人民政府", "公办"),
    ("威海职业学院", "威海市", "专科", "威海市人民政府", "公办"),
    ("东营职业学院", "东营市", "专科", "东营市人民政府", "公办"),
    ("潍坊职业学院", "潍坊市", "专科", "潍坊市人民政府", "公办"),
)

BUDGET_ITEMS: tuple[tuple[Any, ...], ...] = (
    ("201", "一般公共服务支出", 1200000),
    ("203", "国防支出", 30000),
    ("204", "公共安全支出", 1500000),
    ("205", "教育支出", 3100000),
    ("206", "科学技术支出", 900000),
    ("207", "文化旅游体育与传媒支出", 350000),
    ("208", "社会保障和就业支出", 4800000),
    ("210", "卫生健康支出", 1300000),
    ("211", "节能环保支出", 420000),
    ("212", "城乡社区支出", 260000),
    ("213", "农林水支出", 1100000),
    ("214", "交通运输支出", 1350000),
    ("215", "资源勘探工业信息等支出", 380000),
    ("216", "商业服务业等支出", 90000),
    ("220", "自然资源海洋气象等支出", 240000),
    ("221", "住房保障支出", 180000),
    ("222", "粮油物资储备支出", 150000),
    ("224", "灾害防治及应急管理支出", 170000),
    ("229", "其他支出", 300000),
    ("232", "债务付息支出", 1050000),
)

REVENUE_ITEMS: tuple[tuple[Any, ...], ...] = (
    ("增值税", 2050),
    ("企业所得税", 800),
    ("个人所得税", 260),
    ("资源税", 120),
    ("城市维护建设税", 330),
    ("房产税", 260),
    ("印花税", 120),
    ("城镇土地使用税", 190),
    ("土地增值税", 330),
    ("车船税", 60),
    ("耕地占用税", 80),
    ("契税", 460),
    ("环境保护税", 25),
    ("专项收入", 520),
    ("行政事业性收费收入", 190),
    ("罚没收入", 200),
    ("国有资源（资产）有偿使用收入", 900),
)

ADMIN_FEES: tuple[tuple[str, ...], ...] = (
    ("不动产登记费", "自然资源部门"),
    ("土地复垦费", "自然资源部门"),
    ("考试考务费", "人力资源社会保障部门"),
    ("教师资格考试费", "教育部门"),
    ("机动车号牌工本费", "公安部门"),
    ("污水处理费", "住房城乡建设部门"),
    ("城市道路占用挖掘修复费", "住房城乡建设部门"),
    ("药品注册费", "药品监管部门"),
    ("特种设备检验检测费", "市场监管部门"),
    ("无线电频率占用费", "工业和信息化部门"),
    ("水土保持补偿费", "水利部门"),
    ("防空地下室易地建设费", "人民防空部门"),
)

PROVINCIAL_UNITS: tuple[tuple[str], ...] = tuple(
    (name,)
    for name in words(
        "省发展和改革委员会 省教育厅 省科学技术厅 省公安厅 省民政厅 "
        "省财政厅 省人力资源和社会保障厅 省自然资源厅 省生态环境厅 "
        "省住房和城乡建设厅 省交通运输厅 省水利厅 省农业农村厅 "
        "省商务厅 省文化和旅游厅 省卫生健康委员会 省应急管理厅 "
        "省市场监督管理局 省统计局 省医疗保障局"
    )
)

INDUSTRIAL_PRODUCTS: tuple[tuple[Any, ...], ...] = (
    ("原油", "万吨", 2100),
    ("原煤", "万吨", 8600),
    ("发电量", "亿千瓦时", 6200),
    ("粗钢", "万吨", 7600),
    ("钢材", "万吨", 9600),
    ("水泥", "万吨", 15000),
    ("汽车", "万辆", 110),
    ("轮胎外胎", "万条", 39000),
    ("化学药品原药", "万吨", 25),
    ("机制纸及纸板", "万吨", 2300),
    ("家用电冰箱", "万台", 1300),
    ("集成电路", "亿块", 30),
)

BULLETIN_INDICATORS: tuple[tuple[Any, ...], ...] = (
    ("地区生产总值", "亿元", 92000),
    ("一般公共预算收入", "亿元", 7500),
    ("社会消费品零售总额", "亿元", 36000),
    ("货物进出口总额", "亿元", 33000),
    ("全体居民人均可支配收入", "元", 41000),
    ("粮食总产量", "万吨", 5600),
    ("城镇新增就业人数", "万人", 125),
    ("年末常住人口", "万人", 10120),
    ("金融机构本外币存款余额", "亿元", 140000),
    ("全年接待游客", "亿人次", 8.6),
)

GEOGRAPHICAL_INDICATIONS: tuple[tuple[str, ...], ...] = (
    ("烟台苹果", "烟台市", "水果"),
    ("莱阳梨", "烟台市", "水果"),
    ("章丘大葱", "济南市", "蔬菜"),
    ("金乡大蒜", "济宁市", "蔬菜"),
    ("寿光蔬菜", "潍坊市", "蔬菜"),
    ("沾化冬枣", "滨州市", "水果"),
    ("乐陵金丝小枣", "德州市", "水果"),
    ("肥城桃", "泰安市", "水果"),
    ("日照绿茶", "日照市", "茶叶"),
    ("平阴玫瑰", "济南市", "花卉"),
    ("大泽山葡萄", "青岛市", "水果"),
    ("胶州大白菜", "青岛市", "蔬菜"),
    ("东阿阿胶", "聊城市", "中药材"),
    ("莱芜生姜", "济南市", "蔬菜"),
    ("威海刺参", "威海市", "水产品"),
    ("曹县芦笋", "菏泽市", "蔬菜"),
)

PROTECTED_AREAS: tuple[tuple[Any, ...], ...] = (
    ("黄河三角洲国家级自然保护区", "东营市", "自然保护区", "国家级", 153000),
    ("长岛国家级自然保护区", "烟台市", "自然保护区", "国家级", 5015),
    ("昆嵛山国家级自然保护区", "烟台市", "自然保护区", "国家级", 15417),
    ("荣成大天鹅国家级自然保护区", "威海市", "自然保护区", "国家级", 1675),
    ("马山国家级自然保护区", "青岛市", "自然保护区", "国家级", 774),
    ("滨州贝壳堤岛与湿地国家级自然保护区", "滨州市", "自然保护区", "国家级", 43542),
    ("山旺古生物化石国家级自然保护区", "潍坊市", "自然保护区", "国家级", 120),
    ("南四湖省级自然保护区", "济宁市", "自然保护区", "省级", 127547),
    ("泰山风景名胜区", "泰安市", "风景名胜区", "国家级", 12500),
    ("崂山风景名胜区", "青岛市", "风景名胜区", "国家级", 44600),
    ("蒙山国家森林公园", "临沂市", "森林公园", "国家级", 8400),
    ("沂山国家森林公园", "潍坊市", "森林公园", "国家级", 4800),
)

MIN_WAGES: tuple[tuple[str, ...], ...] = tuple(
    (city, tier, monthly, hourly)
    for tier, monthly, hourly, cities in (
        (
            "第一档",
            "2200",
            "22",
            ("济南市", "青岛市", "淄博市", "东营市", "烟台市", "潍坊市", "济宁市", "威海市"),
        ),
        ("第二档", "2010", "20", ("枣庄市", "泰安市", "日照市", "临沂市", "滨州市")),
        ("第三档", "1820", "18", ("德州市", "聊城市", "菏泽市")),
    )
    for city in cities
)

FARM_PRODUCE: tuple[tuple[Any, ...], ...] = (
    ("大白菜", 1.6),
    ("西红柿", 4.8),
    ("黄瓜", 3.9),
    ("土豆", 2.6),
    ("大蒜", 7.5),
    ("生姜", 8.2),
    ("大葱", 3.2),
    ("苹果", 6.5),
    ("白条猪肉", 22.0),
    ("鸡蛋", 8.6),
    ("草鱼", 15.0),
    ("香蕉", 5.8),
)

ESSENTIAL_GOODS: tuple[tuple[Any, ...], ...] = (
    ("粳米", "元/公斤", 6.2),
    ("标准粉", "元/公斤", 4.6),
    ("花生油", "元/5升", 128.0),
    ("大豆调和油", "元/5升", 62.0),
    ("精瘦肉", "元/公斤", 30.0),
    ("牛肉", "元/公斤", 76.0),
    ("鸡蛋", "元/公斤", 9.2),
    ("纯牛奶", "元/250毫升", 3.3),
    ("大白菜", "元/公斤", 2.2),
    ("液化石油气", "元/15公斤", 115.0),
)

# --------------------------------------------------------------------------- 省教育厅

EDUCATION: tuple[Subject, ...] = (
    Subject(
        key="school-list",
        title="{area}中小学校名单",
        title_en="List of primary and secondary schools in {area_en}",
        variant="area",
        tags=("学校", "名单", "中小学", "教育"),
        groups=("education-science", "livelihood"),
        notes="收录{area}各级各类中小学校的基本信息，包括学校名称、学段、办学性质、"
        "地址和在校生人数。",
        columns=(
            (
                "学校名称",
                fmt(
                    "{county}{a}{b}",
                    a=words("实验 第一 第二 第三 育才 新华 阳光 明德 文昌 东关 北园 南湖"),
                    b=("小学", "初级中学", "中学", "高级中学", "九年一贯制学校"),
                ),
            ),
            (
                "学校类型",
                derive(
                    "lookup",
                    "学校名称",
                    (
                        ("九年一贯制", "九年一贯制学校"),
                        ("小学", "小学"),
                        ("初级中学", "初中"),
                        ("高级中学", "高中"),
                        ("中学", "完全中学"),
                    ),
                ),
            ),
            ("办学性质", pick("公办", "公办", "公办", "公办", "民办")),
            ("所在区县", COUNTY),
            ("地址", ADDRESS),
            ("在校生人数", integer(320, 3600)),
            ("联系电话", PHONE),
        ),
        file="schools",
        freq="yearly",
        rows=(15, 45),
    ),
    Subject(
        key="university-list",
        title="全省普通高等学校名单",
        title_en="List of regular higher education institutions in the province",
        variant="province",
        tags=("高校", "学校", "名单", "高等教育"),
        groups=("education-science",),
        notes="列出经教育部备案的全省普通高等学校，包括主管部门、所在城市、办学层次和办学性质。",
        columns=(
            ("学校名称", item(UNIVERSITIES, 0)),
            ("所在城市", item(UNIVERSITIES, 1)),
            ("办学层次", item(UNIVERSITIES, 2)),
            ("主管部门", item(UNIVERSITIES, 3)),
            ("办学性质", item(UNIVERSITIES, 4)),
        ),
        file="universities",
        rows=(len(UNIVERSITIES), len(UNIVERSITIES)),
    ),
    Subject(
        key="education-statistics",
        title="{year}年全省各市教育事业统计",
        title_en="Education statistics by city of the province, {year}",
        variant="year",
        tags=("教育统计", "在校生", "教师"),
        groups=("education-science", "economy-statistics"),
        notes="按市汇总{year}年学校数、在校生数和专任教师数等教育事业发展主要指标。",
        columns=(
            ("城市", CITY),
            ("学校数(所)", scaled(900, 1500, 0)),
            ("在校生数(人)", scaled(1050000, 1250000, 0)),
            ("专任教师数(人)", scaled(78000, 90000, 0)),
            ("生师比", derive("ratio", "在校生数(人)", "专任教师数(人)", 1, 1)),
        ),
        file="education_statistics",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="kindergarten-list",
        title="{area}幼儿园名单",
        title_en="List of kindergartens in {area_en}",
        variant="area",
        tags=("幼儿园", "学前教育", "名单"),
        groups=("education-science", "livelihood"),
        notes="公布{area}经审批设立的幼儿园名单及办园等级，家长可据此查询就近入园信息。",
        columns=(
            (
                "幼儿园名称",
                fmt(
                    "{county}{a}幼儿园",
                    a=words("实验 机关 阳光 童心 启明星 小太阳 育英 蓝天 第一 第二 金色摇篮 花园"),
                ),
            ),
            ("办园性质", pick("公办", "公办", "普惠性民办", "民办")),
            ("办园等级", pick("省级示范", "一类", "一类", "二类", "三类")),
            ("地址", ADDRESS),
            ("班级数", integer(3, 18)),
            ("在园幼儿数", integer(60, 540)),
        ),
        file="kindergartens",
        rows=(12, 40),
    ),
    Subject(
        key="gaokao-test-sites",
        title="{year}年普通高考考点信息",
        title_en="Test sites of the national college entrance examination, {year}",
        variant="year",
        tags=("高考", "考点", "学校"),
        groups=("education-science",),
        notes="{year}年普通高等学校招生全国统一考试各考区考点名称、地址及考场数量。",
        columns=(
            ("考区", CITY),
            (
                "考点名称",
                fmt(
                    "{county}{a}考点",
                    a=("第一中学", "第二中学", "实验中学", "高级中学", "职业中专"),
                ),
            ),
            ("考点地址", ADDRESS),
            ("考场数", integer(20, 60)),
            ("咨询电话", PHONE),
        ),
        file="gaokao_sites",
        rows=(20, 50),
    ),
    Subject(
        key="education-funding",
        title="{year}年全省教育经费执行情况",
        title_en="Education expenditure of the province by city, {year}",
        variant="year",
        tags=("教育经费", "budget", "财政"),
        groups=("education-science", "finance-tax"),
        notes="统计{year}年各市教育经费总投入和一般公共预算教育经费执行情况，"
        "用于监测教育经费“两个只增不减”落实情况。",
        columns=(
            ("城市", CITY),
            ("教育经费总投入(万元)", scaled(1500000, 2200000, 1)),
            ("一般公共预算教育经费(万元)", derive("scale", "教育经费总投入(万元)", 0.78, 0.86, 1)),
            ("生均一般公共预算教育事业费(元)", integer(13000, 21000)),
        ),
        file="education_funding",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="student-aid",
        title="{year}年学生资助资金分配表",
        title_en="Allocation of student financial aid funds, {year}",
        variant="year",
        tags=("学生资助", "助学金", "教育"),
        groups=("education-science", "social-security"),
        notes="公开{year}年各类学生资助项目的资助人数和资金分配结果，涵盖学前教育至高等教育各学段。",
        columns=(
            ("城市", CITY),
            (
                "资助项目",
                one_of(
                    "国家助学金 免学费补助 生源地信用助学贷款 国家奖学金 "
                    "学前教育资助 普通高中国家助学金"
                ),
            ),
            ("资助人数(人)", integer(300, 26000)),
            ("资助金额(万元)", num(50, 9800, 2)),
        ),
        file="student_aid",
        rows=(12, 36),
    ),
)

# --------------------------------------------------------------------------- 省卫生健康委员会

HEALTH: tuple[Subject, ...] = (
    Subject(
        key="medical-institutions",
        title="{area}医疗机构名录",
        title_en="Directory of medical institutions in {area_en}",
        variant="area",
        tags=("医院", "医疗机构", "名录", "医疗卫生"),
        groups=("health", "livelihood"),
        notes="收录{area}依法执业的二级及以上医疗机构，包括医院等级、床位数、地址和联系电话。",
        columns=(
            (
                "机构名称",
                fmt(
                    "{county}{a}",
                    a=words(
                        "人民医院 中医医院 妇幼保健院 第二人民医院 精神卫生中心 "
                        "口腔医院 康复医院 中心医院"
                    ),
                ),
            ),
            (
                "机构类别",
                derive(
                    "lookup",
                    "机构名称",
                    (
                        ("中医", "中医医院"),
                        ("妇幼", "妇幼保健院"),
                        ("精神", "专科医院"),
                        ("口腔", "专科医院"),
                        ("康复", "专科医院"),
                        ("医院", "综合医院"),
                    ),
                ),
            ),
            ("医院等级", pick("三级甲等", "三级乙等", "二级甲等", "二级甲等", "二级乙等")),
            ("地址", ADDRESS),
            ("床位数", integer(80, 2600)),
            ("联系电话", PHONE),
        ),
        file="medical_institutions",
        freq="quarterly",
        rows=(12, 40),
    ),
    Subject(
        key="hospital-grade-review",
        title="{year}年医院等级评审结果",
        title_en="Hospital grade review results, {year}",
        variant="year",
        tags=("医院", "等级评审", "医疗质量"),
        groups=("health",),
        notes="公布{year}年全省医院等级评审和复审结论，评审依据为国家三级医院和二级医院评审标准。",
        columns=(
            (
                "医院名称",
                fmt(
                    "{county}{a}",
                    a=("人民医院", "中医医院", "中心医院", "妇幼保健院", "第二人民医院"),
                ),
            ),
            ("所在市", CITY),
            ("评审等级", pick("三级甲等", "三级乙等", "二级甲等", "二级乙等")),
            ("评审结论", pick("通过", "通过", "通过", "通过（限期整改）")),
            ("有效期至", fmt("{year4}-12-31")),
        ),
        file="hospital_grades",
        rows=(8, 30),
    ),
    Subject(
        key="vaccination-clinics",
        title="{area}预防接种门诊信息",
        title_en="Vaccination clinics in {area_en}",
        variant="area",
        tags=("疫苗", "预防接种", "门诊"),
        groups=("health", "livelihood"),
        notes="提供{area}预防接种门诊的名称、地址、服务时间和咨询电话，方便群众就近接种。",
        columns=(
            (
                "门诊名称",
                fmt(
                    "{county}{a}预防接种门诊",
                    a=words(
                        "疾控中心 人民医院 社区卫生服务中心 妇幼保健院 "
                        "第一社区卫生服务中心 中心卫生院"
                    ),
                ),
            ),
            ("地址", ADDRESS),
            ("服务时间", pick(*OFFICE_HOURS)),
            ("联系电话", PHONE),
        ),
        file="vaccination_clinics",
        freq="monthly",
        rows=(10, 35),
    ),
    Subject(
        key="health-statistics",
        title="{year}年全省卫生健康事业发展统计",
        title_en="Health statistics of the province by city, {year}",
        variant="year",
        tags=("卫生统计", "医院", "床位"),
        groups=("health", "economy-statistics"),
        notes="按市统计{year}年末医疗卫生机构数、床位数、卫生技术人员数和全年诊疗人次。",
        columns=(
            ("城市", CITY),
            ("医疗卫生机构数(个)", scaled(4800, 6200, 0)),
            ("床位数(张)", scaled(42000, 52000, 0)),
            ("执业(助理)医师数(人)", scaled(22000, 28000, 0)),
            ("注册护士数(人)", scaled(24000, 31000, 0)),
            ("诊疗人次(万人次)", scaled(3300, 4100, 1)),
        ),
        file="health_statistics",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="primary-care-institutions",
        title="{area}基层医疗卫生机构名单",
        title_en="Primary health care institutions in {area_en}",
        variant="area",
        tags=("社区卫生", "基层医疗", "家庭医生"),
        groups=("health", "livelihood"),
        notes="公布{area}社区卫生服务中心和乡镇卫生院名单，以及家庭医生签约服务团队数量。",
        columns=(
            (
                "机构名称",
                fmt(
                    "{county}{a}{b}",
                    a=words("东关 西城 南湖 北园 新华 文化 城东 城西 开发区 高新区"),
                    b=("社区卫生服务中心", "街道社区卫生服务中心", "镇卫生院"),
                ),
            ),
            (
                "机构类型",
                derive(
                    "lookup", "机构名称", (("卫生院", "乡镇卫生院"), ("社区", "社区卫生服务中心"))
                ),
            ),
            ("地址", ADDRESS),
            ("家庭医生团队数", integer(4, 36)),
            ("联系电话", PHONE),
        ),
        file="primary_care",
        rows=(12, 40),
    ),
    Subject(
        key="infectious-disease-summary",
        title="{year}年全省法定传染病疫情概况",
        title_en="Monthly summary of notifiable infectious diseases, {year}",
        variant="year",
        tags=("传染病", "疫情", "公共卫生"),
        groups=("health", "public-safety"),
        notes="按月发布{year}年全省法定报告传染病发病和死亡情况，数据来源于传染病网络直报系统。",
        columns=(
            ("月份", MONTH),
            ("甲乙类发病数(例)", integer(9000, 16000)),
            ("甲乙类死亡数(例)", integer(10, 60)),
            ("丙类发病数(例)", integer(20000, 90000)),
            (
                "发病数居前病种",
                pick("病毒性肝炎", "肺结核", "梅毒", "流行性感冒", "其他感染性腹泻病", "手足口病"),
            ),
        ),
        file="infectious_diseases",
        freq="monthly",
        rows=(12, 12),
        source="省疾病预防控制中心",
    ),
    Subject(
        key="blood-donation-sites",
        title="{area}无偿献血点信息",
        title_en="Voluntary blood donation sites in {area_en}",
        variant="area",
        tags=("献血", "血站", "民生"),
        groups=("health", "livelihood"),
        notes="汇总{area}固定献血屋和流动采血车停靠点的位置与开放时间。",
        columns=(
            (
                "献血点名称",
                fmt(
                    "{county}{a}献血屋",
                    a=words("人民广场 万达广场 火车站 大学城 中心医院 文化广场 体育中心 步行街"),
                ),
            ),
            ("地址", ADDRESS),
            ("开放时间", pick("每天 8:30-17:30", "每天 9:00-18:00", "周二至周日 9:00-17:00")),
            ("经度", LNG),
            ("纬度", LAT),
            ("联系电话", PHONE),
        ),
        file="blood_donation_sites",
        freq="monthly",
        rows=(6, 20),
        source="省血液中心",
    ),
)

# --------------------------------------------------------------------------- 省人力资源和社会保障厅

HUMAN_RESOURCES: tuple[Subject, ...] = (
    Subject(
        key="urban-new-jobs",
        title="{year}年城镇新增就业人数统计",
        title_en="Newly created urban jobs by month, {year}",
        variant="year",
        tags=("就业", "统计", "employment"),
        groups=("employment", "economy-statistics"),
        notes="按月统计{year}年全省城镇新增就业、失业人员再就业和就业困难人员就业人数。",
        columns=(
            ("月份", MONTH),
            ("城镇新增就业(人)", integer(85000, 132000)),
            ("失业人员再就业(人)", integer(15000, 32000)),
            ("就业困难人员就业(人)", integer(4000, 9000)),
            ("城镇登记失业率(%)", num(2.6, 3.3, 2)),
        ),
        file="urban_new_jobs",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="job-fairs",
        title="{year}年全省招聘会信息",
        title_en="Job fairs held in the province, {year}",
        variant="year",
        tags=("招聘会", "就业", "岗位"),
        groups=("employment",),
        notes="汇总{year}年各级公共就业服务机构举办的招聘会，包括举办时间、地点和提供岗位数量。",
        columns=(
            (
                "招聘会名称",
                fmt(
                    "{city}{a}",
                    a=words(
                        "春风行动专场招聘会 高校毕业生双选会 民营企业招聘月活动 "
                        "退役军人专场招聘会 就业援助月招聘会 金秋招聘月专场"
                    ),
                ),
            ),
            ("举办日期", ANY_DATE),
            ("举办城市", CITY),
            ("举办地点", ADDRESS),
            ("参会企业数", integer(40, 420)),
            ("提供岗位数", integer(600, 12000)),
        ),
        file="job_fairs",
        freq="weekly",
        rows=(15, 45),
    ),
    Subject(
        key="pension-insurance",
        title="{year}年全省企业职工基本养老保险参保情况",
        title_en="Enterprise employees' basic pension insurance by city, {year}",
        variant="year",
        tags=("养老保险", "社会保险", "社保"),
        groups=("social-security",),
        notes="按市统计{year}年末企业职工基本养老保险参保人数、离退休人数及基金收支情况。",
        columns=(
            ("城市", CITY),
            ("参保人数(万人)", scaled(190, 240, 1)),
            ("离退休人数(万人)", scaled(45, 62, 1)),
            ("基金收入(亿元)", scaled(140, 190, 1)),
            ("基金支出(亿元)", scaled(130, 185, 1)),
        ),
        file="pension_insurance",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="minimum-wage",
        title="全省最低工资标准",
        title_en="Minimum wage standards of the province",
        variant="province",
        tags=("最低工资", "工资", "劳动"),
        groups=("employment", "social-security"),
        notes="公布现行全省月最低工资标准和非全日制用工小时最低工资标准，按三档分别适用于各市。",
        columns=(
            ("城市", item(MIN_WAGES, 0)),
            ("档次", item(MIN_WAGES, 1)),
            ("月最低工资标准(元)", item(MIN_WAGES, 2)),
            ("小时最低工资标准(元)", item(MIN_WAGES, 3)),
            ("执行日期", const("2023-10-01")),
        ),
        file="minimum_wage",
        freq="irregular",
        rows=(len(MIN_WAGES), len(MIN_WAGES)),
    ),
    Subject(
        key="vocational-training",
        title="{area}职业技能培训机构名单",
        title_en="Vocational skills training institutions in {area_en}",
        variant="area",
        tags=("职业培训", "技能", "学校", "名单"),
        groups=("employment", "education-science"),
        notes="公布{area}经人力资源社会保障部门审批的民办职业技能培训学校及其培训工种。",
        columns=(
            (
                "机构名称",
                fmt(
                    "{county}{a}职业培训学校",
                    a=words("华信 鲁通 金桥 众诚 远航 启航 明德 新技 德才 匠心"),
                ),
            ),
            (
                "培训工种",
                one_of("电工 焊工 育婴员 养老护理员 中式烹调师 计算机操作员 美容师 保育师"),
            ),
            ("地址", ADDRESS),
            ("联系电话", PHONE),
        ),
        file="training_institutions",
        freq="quarterly",
        rows=(8, 30),
    ),
    Subject(
        key="social-security-cards",
        title="{year}年各市社会保障卡发放情况",
        title_en="Social security cards issued by city, {year}",
        variant="year",
        tags=("社保卡", "社会保障", "民生"),
        groups=("social-security", "livelihood"),
        notes="统计{year}年末各市社会保障卡持卡人数和电子社保卡领用人数。",
        columns=(
            ("城市", CITY),
            ("持卡人数(万人)", scaled(640, 700, 1)),
            ("电子社保卡领用人数(万人)", scaled(380, 520, 1)),
            ("本年新增发卡(万张)", scaled(18, 40, 1)),
        ),
        file="social_security_cards",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="labour-arbitration",
        title="{year}年劳动人事争议仲裁案件统计",
        title_en="Labour and personnel dispute arbitration cases, {year}",
        variant="year",
        tags=("劳动仲裁", "劳动关系", "统计"),
        groups=("employment", "public-safety"),
        notes="按月统计{year}年全省劳动人事争议仲裁机构受理和审结案件情况。",
        columns=(
            ("月份", MONTH),
            ("受理案件数(件)", integer(4200, 7600)),
            ("结案数(件)", integer(4000, 7400)),
            ("涉及劳动者人数(人)", integer(5200, 9800)),
            ("调解成功率(%)", num(62, 78, 1)),
        ),
        file="labour_arbitration",
        freq="monthly",
        rows=(12, 12),
    ),
)

# --------------------------------------------------------------------------- 省交通运输厅

TRANSPORT: tuple[Subject, ...] = (
    Subject(
        key="bus-routes",
        title="{area}公交线路及站点信息",
        title_en="Bus routes and stops of {area_en}",
        variant="area",
        tags=("公交", "线路", "站点", "交通"),
        groups=("transport", "livelihood"),
        notes="收录{area}城市公交线路的基本运营信息，包括线路编号、起讫站点、首末班时间和票价，"
        "由各市公交运营企业报送。",
        columns=(
            ("线路编号", seq("{:03d}")),
            ("线路名称", seq("{}路")),
            ("起点站", pick(*BUS_STOPS)),
            ("终点站", derive("other_than", "起点站", BUS_STOPS)),
            ("首班时间", clock(5, 6)),
            ("末班时间", clock(20, 22)),
            ("票价(元)", pick("1", "1", "2", "2", "1.5")),
            ("站点数", integer(12, 46)),
            ("运营单位", fmt("{city}公共交通集团有限公司")),
        ),
        file="bus_routes",
        freq="monthly",
        rows=(12, 48),
    ),
    Subject(
        key="bus-ridership",
        title="{year}年全省城市公交客运量月度统计",
        title_en="Monthly urban bus ridership of the province, {year}",
        variant="year",
        tags=("公交", "客运量", "交通"),
        groups=("transport", "economy-statistics"),
        notes="按月统计{year}年全省城市公共汽电车客运量、运营线路数和运营车辆数。",
        columns=(
            ("月份", MONTH),
            ("公交客运量(万人次)", integer(16000, 23000)),
            ("运营线路数(条)", integer(4600, 5200)),
            ("运营车辆数(辆)", integer(41000, 45000)),
            ("新能源车辆占比(%)", num(82, 96, 1)),
        ),
        file="bus_ridership",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="new-energy-buses",
        title="{year}年各市新能源公交车辆配置情况",
        title_en="New energy buses by city, {year}",
        variant="year",
        tags=("公交", "新能源", "车辆"),
        groups=("transport", "resources-energy"),
        notes="统计{year}年末各市城市公交车辆总数及纯电动、氢燃料等新能源公交车数量。",
        columns=(
            ("城市", CITY),
            ("公交车辆总数(辆)", scaled(2400, 2900, 0)),
            ("新能源公交车(辆)", derive("scale", "公交车辆总数(辆)", 0.8, 0.97, 0)),
            ("新能源占比(%)", derive("pct", "新能源公交车(辆)", "公交车辆总数(辆)")),
            ("氢燃料公交车(辆)", integer(0, 120)),
        ),
        file="new_energy_buses",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="bus-card-outlets",
        title="{area}公交卡充值网点",
        title_en="Bus card top-up outlets in {area_en}",
        variant="area",
        tags=("公交", "公交卡", "便民服务"),
        groups=("transport", "livelihood"),
        notes="列出{area}公交IC卡充值和办理网点的地址及营业时间，支持实体卡充值和学生卡、"
        "老年卡年审。",
        columns=(
            (
                "网点名称",
                fmt(
                    "{county}{a}",
                    a=words(
                        "公交卡服务中心 火车站营业厅 公交枢纽营业厅 银座便民点 "
                        "社区服务站 政务服务中心窗口"
                    ),
                ),
            ),
            ("地址", ADDRESS),
            ("营业时间", pick(*OFFICE_HOURS)),
            ("联系电话", PHONE),
        ),
        file="bus_card_outlets",
        freq="quarterly",
        rows=(6, 24),
    ),
    Subject(
        key="expressway-service-areas",
        title="全省高速公路服务区信息",
        title_en="Expressway service areas of the province",
        variant="province",
        tags=("高速公路", "服务区", "充电桩", "交通"),
        groups=("transport",),
        notes="提供全省高速公路服务区的位置、所属路线和充电桩配置情况。",
        columns=(
            ("服务区名称", fmt("{county}服务区")),
            (
                "所属高速",
                one_of(
                    "G2京沪高速 G3京台高速 G15沈海高速 G18荣乌高速 G20青银高速 "
                    "G22青兰高速 G35济广高速 G1511日兰高速"
                ),
            ),
            ("所在市", CITY),
            ("经度", LNG),
            ("纬度", LAT),
            ("充电桩数量", integer(4, 24)),
            ("加油站", pick("有", "有", "有", "无")),
        ),
        file="expressway_service_areas",
        freq="quarterly",
        rows=(30, 55),
    ),
    Subject(
        key="passenger-stations",
        title="{area}道路客运站信息",
        title_en="Road passenger stations in {area_en}",
        variant="area",
        tags=("客运站", "长途汽车", "交通"),
        groups=("transport",),
        notes="收录{area}等级道路客运站的站级、地址、日发班次和咨询电话。",
        columns=(
            (
                "客运站名称",
                fmt(
                    "{county}{a}", a=("汽车总站", "长途汽车站", "汽车东站", "汽车西站", "客运中心")
                ),
            ),
            ("站级", pick("一级", "二级", "二级", "三级")),
            ("地址", ADDRESS),
            ("日发班次", integer(30, 420)),
            ("咨询电话", PHONE),
        ),
        file="passenger_stations",
        rows=(6, 24),
    ),
    Subject(
        key="taxi-operators",
        title="{area}巡游出租汽车经营企业名单",
        title_en="Cruising taxi operators in {area_en}",
        variant="area",
        tags=("出租汽车", "企业名单", "交通"),
        groups=("transport", "market-regulation"),
        notes="公布{area}取得经营许可的巡游出租汽车企业及其车辆规模。",
        columns=(
            (
                "企业名称",
                fmt(
                    "{city}{a}出租汽车有限公司",
                    a=words("交运 恒通 顺达 安达 长运 金通 宏达 鲁运 之星 捷达"),
                ),
            ),
            ("统一社会信用代码", credit("91")),
            ("车辆数(辆)", integer(50, 1200)),
            ("地址", ADDRESS),
            ("联系电话", PHONE),
        ),
        file="taxi_operators",
        rows=(5, 10),
    ),
    Subject(
        key="highway-traffic-volume",
        title="{year}年普通国省道交通量观测数据",
        title_en="Traffic volume on national and provincial highways, {year}",
        variant="year",
        tags=("交通量", "公路", "观测"),
        groups=("transport", "economy-statistics"),
        notes="发布{year}年普通国省道交通量连续式观测站的年平均日交通量和客货车构成。",
        columns=(
            ("观测站编号", seq("GC{:04d}")),
            (
                "路线编号",
                one_of("G104 G105 G205 G206 G220 G308 G309 S102 S103 S222"),
            ),
            ("所在市", CITY),
            ("年平均日交通量(辆/日)", integer(3000, 42000)),
            ("客车比例(%)", num(48, 78, 1)),
            ("货车比例(%)", derive("rest", "客车比例(%)")),
        ),
        file="traffic_volume",
        rows=(20, 50),
    ),
)

# --------------------------------------------------------------------------- 省生态环境厅

ENVIRONMENT: tuple[Subject, ...] = (
    Subject(
        key="air-quality-daily",
        title="{year}年全省空气质量日报",
        title_en="Daily air quality report of the province, {year}",
        variant="year",
        tags=("空气质量", "AQI", "PM2.5", "环境监测"),
        groups=("environment",),
        notes="逐日发布{year}年全省各市环境空气质量指数（AQI）、主要污染物浓度和空气质量等级，"
        "数据来源于国控和省控空气质量自动监测站。",
        columns=(
            ("日期", day()),
            ("城市", CITY),
            ("AQI", integer(24, 210)),
            ("PM2.5", derive("scale", "AQI", 0.45, 0.75, 0)),
            ("PM10", derive("scale", "AQI", 0.8, 1.3, 0)),
            ("首要污染物", derive("aqi_pollutant", "AQI")),
            ("空气质量等级", derive("aqi_grade", "AQI")),
        ),
        file="air_quality_daily",
        freq="daily",
        per_city=True,
        rows=(48, 48),
        source="省生态环境监测中心",
    ),
    Subject(
        key="air-quality-by-city",
        title="{year}年各市环境空气质量状况",
        title_en="Ambient air quality by city, {year}",
        variant="year",
        tags=("空气质量", "PM2.5", "优良天数"),
        groups=("environment",),
        notes="汇总{year}年各市细颗粒物（PM2.5）平均浓度、优良天数比例和环境空气质量综合指数。",
        columns=(
            ("城市", CITY),
            ("PM2.5(μg/m³)", integer(28, 45)),
            ("PM10(μg/m³)", integer(55, 85)),
            ("优良天数比例(%)", num(62, 88, 1)),
            ("综合指数", num(3.6, 5.1, 2)),
        ),
        file="air_quality_by_city",
        per_city=True,
        rows=(16, 16),
        source="省生态环境监测中心",
    ),
    Subject(
        key="surface-water-quality",
        title="{year}年全省地表水水质监测数据",
        title_en="Surface water quality monitoring, {year}",
        variant="year",
        tags=("水质", "地表水", "环境监测"),
        groups=("environment",),
        notes="发布{year}年全省国控、省控地表水监测断面的水质类别和主要监测指标。",
        columns=(
            (
                "断面名称",
                fmt(
                    "{a}{b}断面",
                    a=words(
                        "小清河 大汶河 沂河 沭河 潍河 弥河 徒骇河 马颊河 黄河 南四湖 东平湖 泗河"
                    ),
                    b=("入海口", "大桥", "水文站", "出境", "入境", "闸"),
                ),
            ),
            ("所在市", CITY),
            ("监测月份", MONTH),
            ("水质类别", pick("Ⅱ类", "Ⅲ类", "Ⅲ类", "Ⅲ类", "Ⅳ类", "Ⅳ类", "Ⅴ类")),
            ("溶解氧(mg/L)", num(4.5, 11.0, 2)),
            ("高锰酸盐指数(mg/L)", num(2.0, 9.5, 2)),
            ("氨氮(mg/L)", num(0.05, 1.6, 3)),
        ),
        file="surface_water_quality",
        freq="monthly",
        rows=(24, 60),
    ),
    Subject(
        key="key-pollutant-dischargers",
        title="{year}年重点排污单位名录",
        title_en="Key pollutant discharging entities, {year}",
        variant="year",
        tags=("排污单位", "污染源", "环境监管"),
        groups=("environment", "market-regulation"),
        notes="依据重点排污单位名录管理规定，公布{year}年全省水、大气、土壤等环境重点排污单位。",
        columns=(
            (
                "单位名称",
                fmt(
                    "{city}{a}{b}有限公司",
                    a=COMPANY,
                    b=("化工", "热电", "造纸", "钢铁", "制药", "水泥", "纺织"),
                ),
            ),
            ("统一社会信用代码", credit("91")),
            ("所在市", CITY),
            (
                "行业类别",
                derive(
                    "lookup",
                    "单位名称",
                    (
                        ("化工", "化学原料和化学制品制造业"),
                        ("热电", "电力、热力生产和供应业"),
                        ("造纸", "造纸和纸制品业"),
                        ("钢铁", "黑色金属冶炼和压延加工业"),
                        ("制药", "医药制造业"),
                        ("水泥", "非金属矿物制品业"),
                        ("纺织", "纺织业"),
                    ),
                ),
            ),
            ("重点排污类别", pick("水环境", "大气环境", "土壤环境", "环境风险管控")),
        ),
        file="key_dischargers",
        rows=(20, 50),
    ),
    Subject(
        key="environmental-penalties",
        title="{year}年环境行政处罚信息",
        title_en="Environmental administrative penalties, {year}",
        variant="year",
        tags=("行政处罚", "环境执法", "信用"),
        groups=("environment", "public-safety"),
        notes="公开{year}年生态环境部门作出的行政处罚决定，包括违法类型、处罚金额和处罚日期。",
        columns=(
            ("处罚决定书文号", fmt("鲁环罚〔{year}〕{i}号")),
            ("被处罚单位", COMPANY_NAME),
            (
                "违法类型",
                one_of(
                    "超标排放污染物 未批先建 未按规定运行污染防治设施 "
                    "危险废物管理不规范 未依法申领排污许可证"
                ),
            ),
            ("处罚金额(万元)", num(1, 95, 2)),
            ("处罚日期", ANY_DATE),
        ),
        file="environmental_penalties",
        freq="monthly",
        rows=(10, 40),
    ),
    Subject(
        key="urban-noise",
        title="{year}年城市区域声环境质量监测",
        title_en="Urban acoustic environment monitoring, {year}",
        variant="year",
        tags=("噪声", "声环境", "环境监测"),
        groups=("environment", "livelihood"),
        notes="统计{year}年各市城市区域昼间、夜间等效声级和功能区声环境达标率。",
        columns=(
            ("城市", CITY),
            ("昼间等效声级(dB)", num(51, 57, 1)),
            ("夜间等效声级(dB)", num(42, 49, 1)),
            ("功能区昼间达标率(%)", num(90, 100, 1)),
            ("功能区夜间达标率(%)", num(75, 96, 1)),
        ),
        file="urban_noise",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="emergency-plan-filings",
        title="{area}企业突发环境事件应急预案备案信息",
        title_en="Environmental emergency plan filings of enterprises in {area_en}",
        variant="area",
        tags=("应急预案", "环境风险", "备案"),
        groups=("environment", "public-safety"),
        notes="公布{area}企业事业单位突发环境事件应急预案备案情况及其环境风险等级。",
        columns=(
            ("企业名称", COMPANY_NAME),
            ("备案编号", fmt("{citycode}-{year}-{i:03d}-L")),
            ("风险等级", pick("一般", "一般", "较大", "重大")),
            ("备案日期", ANY_DATE),
        ),
        file="emergency_plans",
        freq="quarterly",
        rows=(8, 30),
    ),
)

# --------------------------------------------------------------------------- 省财政厅

FINANCE: tuple[Subject, ...] = (
    Subject(
        key="provincial-budget-expenditure",
        title="{year}年省级财政预算支出明细",
        title_en="Provincial budget expenditure details, {year}",
        variant="year",
        tags=("预算", "budget", "财政支出"),
        groups=("finance-tax",),
        notes="按政府收支分类科目列示{year}年省级一般公共预算支出预算数及上年执行数，"
        "经省人民代表大会批准后公开。",
        columns=(
            ("科目编码", item(BUDGET_ITEMS, 0)),
            ("科目名称", item(BUDGET_ITEMS, 1)),
            ("预算数(万元)", item_num(BUDGET_ITEMS, 2, 0.06, 2)),
            ("上年执行数(万元)", derive("scale", "预算数(万元)", 0.88, 1.02, 2)),
            ("比上年增长(%)", derive("growth", "预算数(万元)", "上年执行数(万元)")),
        ),
        file="provincial_budget_expenditure",
        rows=(len(BUDGET_ITEMS), len(BUDGET_ITEMS)),
    ),
    Subject(
        key="public-budget-revenue",
        title="{year}年全省一般公共预算收入情况",
        title_en="General public budget revenue of the province, {year}",
        variant="year",
        tags=("财政收入", "税收", "budget"),
        groups=("finance-tax", "economy-statistics"),
        notes="反映{year}年全省一般公共预算收入分项目预算数、执行数和完成预算比例。",
        columns=(
            ("项目", item(REVENUE_ITEMS, 0)),
            ("预算数(亿元)", item_num(REVENUE_ITEMS, 1, 0.05, 1)),
            ("执行数(亿元)", derive("scale", "预算数(亿元)", 0.93, 1.08, 1)),
            ("完成预算(%)", derive("pct", "执行数(亿元)", "预算数(亿元)")),
        ),
        file="budget_revenue",
        freq="monthly",
        rows=(len(REVENUE_ITEMS), len(REVENUE_ITEMS)),
    ),
    Subject(
        key="transfer-payments",
        title="{year}年省对市县转移支付分配表",
        title_en="Provincial transfer payments to cities and counties, {year}",
        variant="year",
        tags=("转移支付", "budget", "财政"),
        groups=("finance-tax",),
        notes="公开{year}年省对各市县一般性转移支付和专项转移支付分配结果。",
        columns=(
            ("地区", CITY),
            ("一般性转移支付(万元)", scaled(1200000, 2600000, 0)),
            ("专项转移支付(万元)", scaled(150000, 420000, 0)),
            ("合计(万元)", derive("total", "一般性转移支付(万元)", "专项转移支付(万元)")),
        ),
        file="transfer_payments",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="government-debt",
        title="{year}年全省政府债务限额及余额情况",
        title_en="Government debt limits and balances by city, {year}",
        variant="year",
        tags=("政府债务", "专项债", "财政"),
        groups=("finance-tax",),
        notes="公开{year}年末各市政府债务限额和余额，其中一般债务和专项债务分别列示。",
        columns=(
            ("地区", CITY),
            ("一般债务余额(亿元)", scaled(420, 760, 1)),
            ("专项债务余额(亿元)", scaled(900, 1700, 1)),
            ("债务余额合计(亿元)", derive("total", "一般债务余额(亿元)", "专项债务余额(亿元)")),
            ("债务限额(亿元)", derive("scale", "债务余额合计(亿元)", 1.03, 1.12, 1)),
        ),
        file="government_debt",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="procurement-intentions",
        title="{year}年政府采购意向公开",
        title_en="Government procurement intentions, {year}",
        variant="year",
        tags=("政府采购", "采购意向", "procurement"),
        groups=("finance-tax", "market-regulation"),
        notes="汇总{year}年省级预算单位政府采购意向，包括采购项目名称、预算金额和预计采购时间。",
        columns=(
            (
                "采购单位",
                fmt(
                    "省{a}",
                    a=words(
                        "图书馆 气象局 疾病预防控制中心 档案馆 人民医院 体育运动学校 "
                        "科学技术馆 公共资源交易中心 博物馆 大数据中心"
                    ),
                ),
            ),
            (
                "采购项目名称",
                one_of(
                    "办公设备采购项目 信息化系统运维服务 物业管理服务 "
                    "医疗设备采购 图书资料采购 车辆租赁服务 网络安全等级保护测评 "
                    "政务云资源租用"
                ),
            ),
            ("采购品目", pick("货物", "服务", "服务", "工程")),
            ("预算金额(万元)", num(12, 980, 2)),
            ("预计采购时间", fmt("{year}年{m}月")),
        ),
        file="procurement_intentions",
        freq="monthly",
        rows=(10, 40),
    ),
    Subject(
        key="administrative-fees",
        title="全省行政事业性收费目录清单",
        title_en="Catalogue of administrative and institutional fees of the province",
        variant="province",
        tags=("收费目录", "行政事业性收费", "清单"),
        groups=("finance-tax", "market-regulation"),
        notes="公布全省现行行政事业性收费项目、执收部门和资金管理方式，目录之外的收费一律不得执行。",
        columns=(
            ("序号", seq("{}")),
            ("收费项目", item(ADMIN_FEES, 0)),
            ("执收部门", item(ADMIN_FEES, 1)),
            ("资金管理方式", const("缴入国库")),
            ("收费标准", const("按国家和省规定标准执行")),
        ),
        file="administrative_fees",
        freq="irregular",
        rows=(len(ADMIN_FEES), len(ADMIN_FEES)),
    ),
    Subject(
        key="three-public-expenses",
        title="{year}年省级部门“三公”经费预算",
        title_en="Budgeted official overseas travel, reception and vehicle expenses, {year}",
        variant="year",
        tags=("三公经费", "budget", "部门预算"),
        groups=("finance-tax",),
        notes="公开{year}年省级部门因公出国（境）费、公务接待费和公务用车购置及运行费预算。",
        columns=(
            ("部门名称", item(PROVINCIAL_UNITS, 0)),
            ("因公出国(境)费(万元)", num(0, 45, 2)),
            ("公务接待费(万元)", num(1, 30, 2)),
            ("公务用车购置及运行费(万元)", num(8, 160, 2)),
            (
                "合计(万元)",
                derive(
                    "total",
                    "因公出国(境)费(万元)",
                    "公务接待费(万元)",
                    "公务用车购置及运行费(万元)",
                ),
            ),
        ),
        file="three_public_expenses",
        rows=(len(PROVINCIAL_UNITS), len(PROVINCIAL_UNITS)),
    ),
)

# --------------------------------------------------------------------------- 省农业农村厅

AGRICULTURE: tuple[Subject, ...] = (
    Subject(
        key="grain-production",
        title="{year}年全省粮食生产情况",
        title_en="Grain production of the province by city, {year}",
        variant="year",
        tags=("粮食", "农业生产", "统计"),
        groups=("agriculture", "economy-statistics"),
        notes="按市统计{year}年粮食播种面积、总产量和单位面积产量。",
        columns=(
            ("城市", CITY),
            ("粮食播种面积(万亩)", scaled(780, 900, 1)),
            ("粮食总产量(万吨)", derive("scale", "粮食播种面积(万亩)", 0.41, 0.47, 1)),
            ("单产(公斤/亩)", derive("ratio", "粮食总产量(万吨)", "粮食播种面积(万亩)", 1000, 1)),
        ),
        file="grain_production",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="farm-produce-prices",
        title="{year}年农产品批发市场价格监测",
        title_en="Wholesale price monitoring of agricultural products, {year}",
        variant="year",
        tags=("农产品", "批发价格", "价格监测"),
        groups=("agriculture", "market-regulation"),
        notes="发布{year}年全省重点农产品批发市场主要蔬菜、水果和畜禽产品的批发价格。",
        columns=(
            ("监测日期", ANY_DATE),
            ("市场名称", fmt("{city}{a}农产品批发市场", a=("中心", "城北", "城南", "东部"))),
            ("品种", item(FARM_PRODUCE, 0)),
            ("平均价(元/公斤)", item_num(FARM_PRODUCE, 1, 0.2, 2)),
            ("最高价(元/公斤)", derive("scale", "平均价(元/公斤)", 1.05, 1.25, 2)),
            ("最低价(元/公斤)", derive("scale", "平均价(元/公斤)", 0.75, 0.95, 2)),
        ),
        file="farm_produce_prices",
        freq="weekly",
        rows=(len(FARM_PRODUCE), len(FARM_PRODUCE)),
    ),
    Subject(
        key="model-cooperatives",
        title="{area}农民专业合作社示范社名单",
        title_en="Model farmers' professional cooperatives in {area_en}",
        variant="area",
        tags=("合作社", "示范社", "乡村振兴"),
        groups=("agriculture",),
        notes="公布{area}经评定的国家级、省级和市级农民专业合作社示范社名单。",
        columns=(
            (
                "合作社名称",
                fmt(
                    "{county}{a}{b}专业合作社",
                    a=("丰源", "绿野", "金穗", "惠农", "富民", "兴农", "润禾", "沃土"),
                    b=("蔬菜种植", "果品", "粮食种植", "畜牧养殖", "农机", "茶叶", "中药材"),
                ),
            ),
            ("统一社会信用代码", credit("93")),
            (
                "主营产业",
                derive(
                    "lookup",
                    "合作社名称",
                    (
                        ("蔬菜", "蔬菜"),
                        ("果品", "林果"),
                        ("粮食", "粮食"),
                        ("畜牧", "畜牧"),
                        ("农机", "农机服务"),
                        ("茶叶", "茶叶"),
                        ("中药材", "中药材"),
                    ),
                ),
            ),
            ("所在区县", COUNTY),
            ("示范社级别", pick("国家级", "省级", "省级", "市级", "市级")),
        ),
        file="model_cooperatives",
        rows=(10, 40),
    ),
    Subject(
        key="farm-product-quality",
        title="{year}年农产品质量安全例行监测结果",
        title_en="Routine monitoring of agricultural product quality and safety, {year}",
        variant="year",
        tags=("农产品质量", "抽检", "食品安全"),
        groups=("agriculture", "public-safety"),
        notes="公开{year}年农产品质量安全例行监测抽检结果，涵盖蔬菜、水果、畜禽产品和水产品。",
        columns=(
            ("样品编号", fmt("NC{year}{i:04d}")),
            ("产品类别", pick("蔬菜", "水果", "畜禽产品", "水产品", "茶叶")),
            ("抽样地点", CITY),
            ("检测项目", pick("农药残留", "兽药残留", "重金属", "非法添加物")),
            ("检测结果", pick(*PASS_FAIL)),
        ),
        file="farm_product_quality",
        freq="quarterly",
        rows=(20, 60),
    ),
    Subject(
        key="farm-machinery-subsidies",
        title="{year}年农机购置与应用补贴情况",
        title_en="Agricultural machinery purchase subsidies by city, {year}",
        variant="year",
        tags=("农机", "补贴", "农业"),
        groups=("agriculture", "finance-tax"),
        notes="统计{year}年各市农机购置与应用补贴机具数量、受益农户和补贴资金。",
        columns=(
            ("城市", CITY),
            ("补贴机具数量(台)", scaled(2600, 5200, 0)),
            ("受益农户数(户)", scaled(2100, 4600, 0)),
            ("补贴资金(万元)", scaled(5200, 11000, 1)),
        ),
        file="farm_machinery_subsidies",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="rural-tourism-sites",
        title="{area}休闲农业与乡村旅游示范点名单",
        title_en="Leisure agriculture and rural tourism demonstration sites in {area_en}",
        variant="area",
        tags=("乡村旅游", "休闲农业", "名单"),
        groups=("agriculture", "livelihood"),
        notes="推介{area}休闲农业与乡村旅游示范点，包含特色项目、地址和联系电话。",
        columns=(
            (
                "示范点名称",
                fmt(
                    "{county}{a}{b}",
                    a=("桃花", "樱桃", "梨园", "茶园", "荷塘", "葡萄", "杏花", "稻香"),
                    b=("生态园", "农庄", "采摘园", "田园综合体"),
                ),
            ),
            ("所在区县", COUNTY),
            ("地址", ADDRESS),
            ("特色项目", pick("果蔬采摘", "农事研学", "乡村民宿", "休闲垂钓", "农家餐饮")),
            ("联系电话", PHONE),
        ),
        file="rural_tourism_sites",
        rows=(6, 24),
    ),
    Subject(
        key="high-standard-farmland",
        title="{year}年高标准农田建设任务",
        title_en="High-standard farmland construction tasks by city, {year}",
        variant="year",
        tags=("高标准农田", "耕地", "农田建设"),
        groups=("agriculture", "resources-energy"),
        notes="下达{year}年各市高标准农田新建和改造提升任务及财政补助资金。",
        columns=(
            ("城市", CITY),
            ("新建任务(万亩)", scaled(15, 40, 1)),
            ("改造提升任务(万亩)", scaled(5, 22, 1)),
            ("财政补助资金(万元)", scaled(28000, 72000, 0)),
        ),
        file="high_standard_farmland",
        per_city=True,
        rows=(16, 16),
    ),
)

# --------------------------------------------------------------------------- 省住房和城乡建设厅

HOUSING: tuple[Subject, ...] = (
    Subject(
        key="affordable-rental-housing",
        title="{area}保障性租赁住房项目清单",
        title_en="Affordable rental housing projects in {area_en}",
        variant="area",
        tags=("保障性住房", "租赁住房", "住房"),
        groups=("urban-housing", "livelihood"),
        notes="公开{area}保障性租赁住房项目的位置、房源套数、户型面积和建设状态。",
        columns=(
            (
                "项目名称",
                fmt(
                    "{county}{a}保障性租赁住房项目",
                    a=words("安居苑 人才公寓 和园 幸福里 锦绣家园 青年社区 康居小区 乐居苑"),
                ),
            ),
            ("所在区县", COUNTY),
            ("地址", ADDRESS),
            ("房源套数(套)", integer(80, 1600)),
            ("户型面积(平方米)", pick("30-45", "45-60", "50-70", "60-90")),
            ("建设状态", pick("已开工", "已竣工", "已分配")),
        ),
        file="affordable_rental_housing",
        freq="quarterly",
        rows=(6, 30),
    ),
    Subject(
        key="construction-permits",
        title="{year}年建筑工程施工许可信息",
        title_en="Construction permits issued, {year}",
        variant="year",
        tags=("施工许可", "建筑工程", "行政许可"),
        groups=("urban-housing",),
        notes="公开{year}年全省核发的建筑工程施工许可证，包括项目名称、建设单位、施工单位和合同价格。",
        columns=(
            ("施工许可证编号", fmt("{citycode}{year}{m:02d}{i:04d}01")),
            (
                "项目名称",
                fmt(
                    "{county}{a}项目",
                    a=("安置区", "综合楼", "商住小区", "产业园厂房", "学校教学楼", "医院门诊楼"),
                ),
            ),
            ("建设单位", COMPANY_NAME),
            (
                "施工单位",
                fmt("{a}建设集团有限公司", a=("鲁中", "齐鲁", "泰岳", "黄河", "海岱", "华建")),
            ),
            ("合同价格(万元)", num(800, 68000, 2)),
            ("发证日期", ANY_DATE),
        ),
        file="construction_permits",
        freq="monthly",
        rows=(15, 50),
    ),
    Subject(
        key="presale-permits",
        title="{area}商品房预售许可信息",
        title_en="Pre-sale permits of commercial housing in {area_en}",
        variant="area",
        tags=("商品房", "预售许可", "房地产"),
        groups=("urban-housing", "market-regulation"),
        notes="公布{area}商品房预售许可证核发情况，购房人可核验项目是否取得预售许可。",
        columns=(
            ("预售许可证号", fmt("{year}预字第{i:03d}号")),
            (
                "项目名称",
                fmt(
                    "{a}{b}",
                    a=words("御景 翡翠 锦绣 和鸣 滨河 璟园 紫悦 云著 泉润 海悦"),
                    b=("花园", "府", "公馆", "家园", "华庭", "名苑"),
                ),
            ),
            ("开发企业", fmt("{city}{a}置业有限公司", a=COMPANY)),
            ("预售面积(平方米)", integer(8000, 96000)),
            ("预售套数", integer(60, 860)),
            ("发证日期", ANY_DATE),
        ),
        file="presale_permits",
        freq="weekly",
        rows=(8, 30),
    ),
    Subject(
        key="property-management-companies",
        title="{area}物业服务企业信用信息",
        title_en="Credit ratings of property management companies in {area_en}",
        variant="area",
        tags=("物业", "企业名单", "信用"),
        groups=("urban-housing", "market-regulation"),
        notes="公布{area}物业服务企业在管项目规模和信用等级评价结果。",
        columns=(
            ("企业名称", fmt("{city}{a}物业服务有限公司", a=COMPANY)),
            ("统一社会信用代码", credit("91")),
            ("在管项目数", integer(2, 85)),
            ("在管面积(万平方米)", num(3, 620, 1)),
            ("信用等级", pick("AAA", "AA", "AA", "A", "A", "B")),
        ),
        file="property_management",
        rows=(6, 12),
    ),
    Subject(
        key="old-community-renovation",
        title="{year}年城镇老旧小区改造计划",
        title_en="Renovation plan of old urban residential communities, {year}",
        variant="year",
        tags=("老旧小区", "城市更新", "改造"),
        groups=("urban-housing", "livelihood"),
        notes="公开{year}年全省城镇老旧小区改造计划，列明小区名称、建成年代、户数和改造内容。",
        columns=(
            ("城市", CITY),
            ("区县", COUNTY),
            (
                "小区名称",
                fmt(
                    "{a}{b}",
                    a=words("文化 建设 和平 解放 幸福 工人 纺织 机械厂 电业 粮食局"),
                    b=("小区", "东区", "西区", "新村", "宿舍"),
                ),
            ),
            ("建成年代", integer(1982, 2000)),
            ("楼栋数", integer(2, 36)),
            ("户数", integer(48, 1300)),
            ("改造内容", pick("管网改造", "加装电梯", "外墙保温", "停车设施", "适老化改造")),
        ),
        file="old_community_renovation",
        rows=(20, 55),
    ),
    Subject(
        key="housing-provident-fund",
        title="{year}年住房公积金缴存使用情况",
        title_en="Housing provident fund contributions and use by city, {year}",
        variant="year",
        tags=("公积金", "住房", "贷款"),
        groups=("urban-housing", "finance-tax"),
        notes="披露{year}年各市住房公积金实缴单位、实缴职工、缴存额、提取额和个人住房贷款发放情况。",
        columns=(
            ("城市", CITY),
            ("实缴单位(个)", scaled(14000, 22000, 0)),
            ("实缴职工(万人)", scaled(70, 105, 1)),
            ("缴存额(亿元)", scaled(140, 210, 1)),
            ("提取额(亿元)", derive("scale", "缴存额(亿元)", 0.7, 0.9, 1)),
            ("个人住房贷款发放额(亿元)", derive("scale", "缴存额(亿元)", 0.45, 0.7, 1)),
        ),
        file="housing_provident_fund",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="gas-operators",
        title="{area}城镇燃气经营许可企业名单",
        title_en="Licensed urban gas operators in {area_en}",
        variant="area",
        tags=("燃气", "经营许可", "城建"),
        groups=("urban-housing", "resources-energy"),
        notes="公布{area}取得燃气经营许可证的企业、经营区域和许可有效期。",
        columns=(
            ("企业名称", fmt("{city}{a}燃气有限公司", a=COMPANY)),
            ("许可证编号", fmt("鲁{citycode}{i:04d}")),
            ("经营区域", COUNTY),
            ("经营类别", pick("管道燃气", "管道燃气", "瓶装液化石油气", "汽车加气站")),
            ("有效期至", fmt("{year4}-06-30")),
        ),
        file="gas_operators",
        rows=(5, 12),
    ),
)

# --------------------------------------------------------------------------- 省市场监督管理局

MARKET_REGULATION: tuple[Subject, ...] = (
    Subject(
        key="new-market-entities",
        title="{year}年新登记市场主体统计",
        title_en="Newly registered market entities by month, {year}",
        variant="year",
        tags=("市场主体", "企业登记", "统计"),
        groups=("market-regulation", "economy-statistics"),
        notes="按月统计{year}年全省新登记企业、个体工商户和农民专业合作社数量及注册资本。",
        columns=(
            ("月份", MONTH),
            ("新登记企业(户)", integer(32000, 52000)),
            ("新登记个体工商户(户)", integer(90000, 150000)),
            ("新登记农民专业合作社(户)", integer(600, 1500)),
            ("新登记企业注册资本(亿元)", num(1800, 3600, 1)),
        ),
        file="new_market_entities",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="food-safety-sampling",
        title="{year}年食品安全监督抽检结果",
        title_en="Food safety supervision sampling results, {year}",
        variant="year",
        tags=("食品安全", "抽检", "监督抽检"),
        groups=("market-regulation", "public-safety"),
        notes="公布{year}年全省食品安全监督抽检结果，不合格产品已依法责令下架并立案调查。",
        columns=(
            ("抽检编号", fmt("SC{year}37{i:05d}")),
            (
                "食品名称",
                one_of(
                    "小麦粉 挂面 酱油 食醋 饮用天然矿泉水 纯牛奶 糕点 熟肉制品 食用植物油 白酒 茶叶"
                ),
            ),
            (
                "被抽样单位",
                fmt(
                    "{county}{a}超市",
                    a=("万家福", "惠民", "百姓", "优家", "鑫隆", "便民", "佳乐", "福满多"),
                ),
            ),
            ("生产企业", fmt("{city}{a}食品有限公司", a=COMPANY)),
            ("检验结果", pick(*PASS_FAIL)),
            (
                "不合格项目",
                derive(
                    "failed_item",
                    "检验结果",
                    ("菌落总数", "大肠菌群", "酸价", "过氧化值", "苯甲酸及其钠盐", "铅(以Pb计)"),
                ),
            ),
        ),
        file="food_safety_sampling",
        freq="weekly",
        rows=(20, 60),
    ),
    Subject(
        key="special-equipment-users",
        title="{area}特种设备使用单位登记信息",
        title_en="Registered users of special equipment in {area_en}",
        variant="area",
        tags=("特种设备", "电梯", "安全"),
        groups=("market-regulation", "public-safety"),
        notes="公开{area}电梯、锅炉、压力容器等特种设备使用单位的登记和定期检验情况。",
        columns=(
            ("使用单位", COMPANY_NAME),
            (
                "设备类别",
                pick("电梯", "电梯", "锅炉", "压力容器", "起重机械", "场(厂)内专用机动车辆"),
            ),
            ("设备数量(台)", integer(1, 120)),
            ("最近检验日期", ANY_DATE),
            ("检验结论", pick("合格", "合格", "合格", "复检合格")),
        ),
        file="special_equipment",
        freq="quarterly",
        rows=(10, 40),
    ),
    Subject(
        key="abnormal-operations-list",
        title="{year}年列入经营异常名录企业信息",
        title_en="Enterprises listed as operating abnormally, {year}",
        variant="year",
        tags=("经营异常", "企业信用", "名录"),
        groups=("market-regulation",),
        notes="依据《企业经营异常名录管理暂行办法》，公示{year}年被列入经营异常名录的企业及列入原因。",
        columns=(
            ("企业名称", COMPANY_NAME),
            ("统一社会信用代码", credit("91")),
            ("列入日期", ANY_DATE),
            (
                "列入原因",
                one_of(
                    "未按规定公示年度报告 未按规定公示年度报告 "
                    "通过登记的住所无法联系 公示信息隐瞒真实情况"
                ),
            ),
            ("作出决定机关", fmt("{city}市场监督管理局")),
        ),
        file="abnormal_operations",
        freq="monthly",
        rows=(15, 50),
    ),
    Subject(
        key="essential-goods-prices",
        title="{year}年重要民生商品价格监测",
        title_en="Price monitoring of essential consumer goods, {year}",
        variant="year",
        tags=("价格监测", "物价", "民生"),
        groups=("market-regulation", "livelihood"),
        notes="发布{year}年全省粮油、肉蛋奶、蔬菜和燃气等重要民生商品零售价格监测结果。",
        columns=(
            ("监测日期", ANY_DATE),
            ("城市", CITY),
            ("商品名称", item(ESSENTIAL_GOODS, 0)),
            ("计价单位", item(ESSENTIAL_GOODS, 1)),
            ("平均零售价", item_num(ESSENTIAL_GOODS, 2, 0.08, 2)),
        ),
        file="essential_goods_prices",
        freq="weekly",
        rows=(len(ESSENTIAL_GOODS), len(ESSENTIAL_GOODS)),
    ),
    Subject(
        key="product-quality-checks",
        title="{year}年产品质量省级监督抽查结果",
        title_en="Provincial product quality spot-check results, {year}",
        variant="year",
        tags=("产品质量", "监督抽查", "质量安全"),
        groups=("market-regulation", "public-safety"),
        notes="公布{year}年省级产品质量监督抽查结果，涉及电动自行车、儿童用品、电线电缆等重点产品。",
        columns=(
            (
                "产品名称",
                one_of("电动自行车 儿童玩具 电线电缆 燃气灶具 复合肥料 安全帽 学生文具 转换器插座"),
            ),
            ("生产企业", COMPANY_NAME),
            ("所在市", CITY),
            ("抽查结果", pick(*PASS_FAIL)),
            (
                "不合格项目",
                derive(
                    "failed_item",
                    "抽查结果",
                    ("标志和说明", "阻燃性能", "导体电阻", "机械物理性能", "养分含量"),
                ),
            ),
        ),
        file="product_quality_checks",
        freq="quarterly",
        rows=(15, 45),
    ),
    Subject(
        key="geographical-indications",
        title="全省地理标志商标名录",
        title_en="Registered geographical indication trademarks of the province",
        variant="province",
        tags=("地理标志", "商标", "知识产权"),
        groups=("market-regulation", "agriculture"),
        notes="收录全省已注册的地理标志证明商标和集体商标，涵盖果品、蔬菜、茶叶和水产品等。",
        columns=(
            ("地理标志名称", item(GEOGRAPHICAL_INDICATIONS, 0)),
            ("所在市", item(GEOGRAPHICAL_INDICATIONS, 1)),
            ("产品类别", item(GEOGRAPHICAL_INDICATIONS, 2)),
            ("商标类型", pick("证明商标", "证明商标", "集体商标")),
        ),
        file="geographical_indications",
        freq="irregular",
        rows=(len(GEOGRAPHICAL_INDICATIONS), len(GEOGRAPHICAL_INDICATIONS)),
    ),
)

# --------------------------------------------------------------------------- 省统计局

STATISTICS: tuple[Subject, ...] = (
    Subject(
        key="gdp-by-city",
        title="{year}年各市地区生产总值",
        title_en="Gross regional product by city, {year}",
        variant="year",
        tags=("GDP", "地区生产总值", "经济"),
        groups=("economy-statistics",),
        notes="发布{year}年各市地区生产总值及三次产业增加值，按现行价格计算，增速按不变价格计算。",
        columns=(
            ("城市", CITY),
            ("第一产业增加值(亿元)", scaled(330, 480, 1)),
            ("第二产业增加值(亿元)", scaled(2100, 2700, 1)),
            ("第三产业增加值(亿元)", scaled(2600, 3500, 1)),
            (
                "地区生产总值(亿元)",
                derive(
                    "total", "第一产业增加值(亿元)", "第二产业增加值(亿元)", "第三产业增加值(亿元)"
                ),
            ),
            ("比上年增长(%)", num(4.2, 6.8, 1)),
        ),
        file="gdp_by_city",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="consumer-price-index",
        title="{year}年全省居民消费价格指数",
        title_en="Consumer price index of the province by month, {year}",
        variant="year",
        tags=("CPI", "物价", "价格指数"),
        groups=("economy-statistics", "livelihood"),
        notes="按月发布{year}年全省居民消费价格总指数及八大类分类指数（上年同月=100）。",
        columns=(
            ("月份", MONTH),
            ("居民消费价格指数", num(99.2, 102.6, 1)),
            ("食品烟酒", num(97.5, 104.0, 1)),
            ("衣着", num(99.5, 102.0, 1)),
            ("居住", num(99.4, 101.2, 1)),
            ("交通通信", num(96.0, 102.5, 1)),
            ("教育文化娱乐", num(100.0, 102.8, 1)),
            ("医疗保健", num(100.0, 101.9, 1)),
        ),
        file="consumer_price_index",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="resident-population",
        title="{year}年各市常住人口",
        title_en="Resident population by city, {year}",
        variant="year",
        tags=("人口", "城镇化", "统计"),
        groups=("economy-statistics", "livelihood"),
        notes="依据{year}年人口变动抽样调查推算各市年末常住人口、城镇人口和城镇化率。",
        columns=(
            ("城市", CITY),
            ("常住人口(万人)", scaled(620, 650, 1)),
            ("城镇人口(万人)", derive("scale", "常住人口(万人)", 0.56, 0.74, 1)),
            ("城镇化率(%)", derive("pct", "城镇人口(万人)", "常住人口(万人)")),
            ("出生率(‰)", num(5.2, 8.4, 2)),
            ("死亡率(‰)", num(7.1, 9.3, 2)),
        ),
        file="resident_population",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="industrial-output",
        title="{year}年规模以上工业主要产品产量",
        title_en="Output of major industrial products, {year}",
        variant="year",
        tags=("工业", "产品产量", "统计"),
        groups=("economy-statistics", "resources-energy"),
        notes="发布{year}年全省规模以上工业主要产品累计产量及比上年增长情况。",
        columns=(
            ("产品名称", item(INDUSTRIAL_PRODUCTS, 0)),
            ("计量单位", item(INDUSTRIAL_PRODUCTS, 1)),
            ("本年累计", item_num(INDUSTRIAL_PRODUCTS, 2, 0.08, 1)),
            ("比上年增长(%)", num(-8.0, 15.0, 1)),
        ),
        file="industrial_output",
        freq="monthly",
        rows=(len(INDUSTRIAL_PRODUCTS), len(INDUSTRIAL_PRODUCTS)),
    ),
    Subject(
        key="retail-sales",
        title="{year}年社会消费品零售总额月度数据",
        title_en="Total retail sales of consumer goods by month, {year}",
        variant="year",
        tags=("消费", "零售", "统计"),
        groups=("economy-statistics", "market-regulation"),
        notes="按月发布{year}年全省社会消费品零售总额及城镇、乡村消费品零售额。",
        columns=(
            ("月份", MONTH),
            ("城镇(亿元)", num(2300, 3100, 1)),
            ("乡村(亿元)", num(420, 600, 1)),
            ("社会消费品零售总额(亿元)", derive("total", "城镇(亿元)", "乡村(亿元)")),
            ("同比增长(%)", num(2.5, 8.5, 1)),
        ),
        file="retail_sales",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="disposable-income",
        title="{year}年各市居民人均可支配收入",
        title_en="Per capita disposable income of residents by city, {year}",
        variant="year",
        tags=("居民收入", "可支配收入", "民生"),
        groups=("economy-statistics", "livelihood"),
        notes="发布{year}年各市全体居民、城镇居民和农村居民人均可支配收入及名义增速。",
        columns=(
            ("城市", CITY),
            ("全体居民(元)", integer(32000, 58000)),
            ("城镇居民(元)", derive("scale", "全体居民(元)", 1.22, 1.38, 0)),
            ("农村居民(元)", derive("scale", "全体居民(元)", 0.52, 0.66, 0)),
            ("名义增长(%)", num(4.5, 7.2, 1)),
        ),
        file="disposable_income",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="statistical-bulletin",
        title="{year}年全省国民经济和社会发展统计公报主要指标",
        title_en="Main indicators of the statistical bulletin on economic and social "
        "development, {year}",
        variant="year",
        tags=("统计公报", "经济指标", "statistics"),
        groups=("economy-statistics",),
        notes="摘录{year}年全省国民经济和社会发展统计公报中的主要经济社会指标。",
        columns=(
            ("指标名称", item(BULLETIN_INDICATORS, 0)),
            ("计量单位", item(BULLETIN_INDICATORS, 1)),
            ("数值", item_num(BULLETIN_INDICATORS, 2, 0.06, 1)),
            ("比上年增长(%)", num(-1.5, 9.0, 1)),
        ),
        file="statistical_bulletin",
        rows=(len(BULLETIN_INDICATORS), len(BULLETIN_INDICATORS)),
    ),
)

# --------------------------------------------------------------------------- 省自然资源厅

NATURAL_RESOURCES: tuple[Subject, ...] = (
    Subject(
        key="geological-hazard-sites",
        title="{area}地质灾害隐患点信息",
        title_en="Geological hazard sites in {area_en}",
        variant="area",
        tags=("地质灾害", "隐患点", "防灾减灾"),
        groups=("resources-energy", "public-safety"),
        notes="公开{area}已查明地质灾害隐患点的位置、灾害类型、威胁人数和险情等级，"
        "汛期实行动态更新。",
        columns=(
            ("隐患点编号", fmt("DZ{citycode}{i:03d}")),
            (
                "隐患点名称",
                fmt(
                    "{county}{a}村{b}",
                    a=words("东峪 西岭 南山 北台 石门 王家 李家 张家 石岭 柳沟"),
                    b=("崩塌", "滑坡", "泥石流", "地面塌陷"),
                ),
            ),
            (
                "灾害类型",
                derive(
                    "lookup",
                    "隐患点名称",
                    (
                        ("崩塌", "崩塌"),
                        ("滑坡", "滑坡"),
                        ("泥石流", "泥石流"),
                        ("地面塌陷", "地面塌陷"),
                    ),
                ),
            ),
            ("所在区县", COUNTY),
            ("经度", LNG),
            ("纬度", LAT),
            ("威胁人数(人)", integer(3, 260)),
            ("险情等级", pick("小型", "小型", "中型", "大型")),
        ),
        file="geological_hazards",
        freq="quarterly",
        rows=(8, 35),
    ),
    Subject(
        key="construction-land-supply",
        title="{year}年国有建设用地供应计划",
        title_en="State-owned construction land supply plan by city, {year}",
        variant="year",
        tags=("土地供应", "建设用地", "国土空间"),
        groups=("resources-energy", "urban-housing"),
        notes="公布{year}年各市国有建设用地供应计划总量及分用途结构。",
        columns=(
            ("城市", CITY),
            ("工矿仓储用地(公顷)", scaled(450, 900, 1)),
            ("住宅用地(公顷)", scaled(300, 620, 1)),
            ("商服用地(公顷)", scaled(60, 160, 1)),
            ("公共管理与公共服务用地(公顷)", scaled(120, 300, 1)),
            (
                "供应总量(公顷)",
                derive(
                    "total",
                    "工矿仓储用地(公顷)",
                    "住宅用地(公顷)",
                    "商服用地(公顷)",
                    "公共管理与公共服务用地(公顷)",
                ),
            ),
        ),
        file="land_supply_plan",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="land-transactions",
        title="{year}年国有土地使用权出让结果公示",
        title_en="Results of state-owned land use right transfers, {year}",
        variant="year",
        tags=("土地出让", "成交公示", "国有土地"),
        groups=("resources-energy", "urban-housing"),
        notes="公示{year}年全省通过招标、拍卖、挂牌方式出让的国有土地使用权成交结果。",
        columns=(
            ("地块编号", fmt("{citycode}-{year}-{i:03d}")),
            ("土地位置", ADDRESS),
            ("土地用途", pick("住宅用地", "商服用地", "工业用地", "工业用地")),
            ("出让面积(平方米)", integer(6000, 180000)),
            ("出让方式", pick("挂牌", "挂牌", "拍卖", "招标")),
            ("成交价(万元)", derive("scale", "出让面积(平方米)", 0.03, 1.2, 2)),
            ("竞得人", COMPANY_NAME),
            ("成交日期", ANY_DATE),
        ),
        file="land_transactions",
        freq="monthly",
        rows=(15, 50),
    ),
    Subject(
        key="mining-rights",
        title="全省采矿权信息",
        title_en="Mining rights of the province",
        variant="province",
        tags=("矿业权", "采矿权", "矿产资源"),
        groups=("resources-energy",),
        notes="公开全省有效采矿许可证的矿山名称、采矿权人、开采矿种、生产规模和有效期。",
        columns=(
            (
                "矿山名称",
                fmt(
                    "{county}{a}{b}矿",
                    a=("东山", "西岭", "北台", "南峪", "石岭", "青山"),
                    b=("建筑石料用灰岩", "金", "铁", "石膏", "花岗岩"),
                ),
            ),
            ("采矿权人", fmt("{city}{a}矿业有限公司", a=COMPANY)),
            (
                "开采矿种",
                derive(
                    "lookup",
                    "矿山名称",
                    (
                        ("灰岩", "建筑石料用灰岩"),
                        ("金矿", "金矿"),
                        ("铁矿", "铁矿"),
                        ("石膏", "石膏"),
                        ("花岗岩", "饰面用花岗岩"),
                    ),
                ),
            ),
            ("生产规模(万吨/年)", num(3, 300, 1)),
            ("有效期至", fmt("{year4}-{m:02d}-28")),
        ),
        file="mining_rights",
        freq="quarterly",
        rows=(20, 50),
    ),
    Subject(
        key="real-estate-registration-points",
        title="{area}不动产登记服务网点",
        title_en="Real estate registration service points in {area_en}",
        variant="area",
        tags=("不动产登记", "便民服务", "办事指南"),
        groups=("resources-energy", "livelihood"),
        notes="提供{area}不动产登记中心及便民服务点的地址、办公时间和咨询电话。",
        columns=(
            (
                "网点名称",
                fmt(
                    "{county}{a}",
                    a=("不动产登记中心", "不动产登记便民服务点", "政务服务中心不动产窗口"),
                ),
            ),
            ("地址", ADDRESS),
            ("办公时间", pick(*OFFICE_HOURS)),
            ("咨询电话", PHONE),
        ),
        file="real_estate_registration_points",
        freq="quarterly",
        rows=(5, 20),
    ),
    Subject(
        key="forest-resources",
        title="{year}年各市森林资源状况",
        title_en="Forest resources by city, {year}",
        variant="year",
        tags=("森林", "林业", "生态"),
        groups=("resources-energy", "environment"),
        notes="发布{year}年各市林地面积、森林覆盖率、活立木蓄积量和古树名木数量。",
        columns=(
            ("城市", CITY),
            ("林地面积(万亩)", scaled(150, 330, 1)),
            ("森林覆盖率(%)", num(14, 38, 2)),
            ("活立木蓄积量(万立方米)", scaled(600, 1500, 1)),
            ("古树名木(株)", integer(800, 9000)),
        ),
        file="forest_resources",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="protected-areas",
        title="全省自然保护地名录",
        title_en="Nature protected areas of the province",
        variant="province",
        tags=("自然保护地", "生态保护", "名录"),
        groups=("resources-energy", "environment"),
        notes="收录全省国家级和省级自然保护区、风景名胜区和森林公园等自然保护地。",
        columns=(
            ("名称", item(PROTECTED_AREAS, 0)),
            ("所在市", item(PROTECTED_AREAS, 1)),
            ("类型", item(PROTECTED_AREAS, 2)),
            ("级别", item(PROTECTED_AREAS, 3)),
            ("面积(公顷)", item_num(PROTECTED_AREAS, 4, 0.0, 0)),
        ),
        file="protected_areas",
        freq="irregular",
        rows=(len(PROTECTED_AREAS), len(PROTECTED_AREAS)),
    ),
)

# --------------------------------------------------------------------------- 省民政厅

CIVIL_AFFAIRS: tuple[Subject, ...] = (
    Subject(
        key="elderly-care-institutions",
        title="{area}养老机构名单",
        title_en="Elderly care institutions in {area_en}",
        variant="area",
        tags=("养老", "养老机构", "名单"),
        groups=("livelihood", "social-security"),
        notes="公布{area}已备案养老机构的名称、性质、床位数、地址和联系电话。",
        columns=(
            (
                "机构名称",
                fmt(
                    "{county}{a}",
                    a=words("社会福利中心 颐养院 康养中心 敬老院 老年公寓 护理院 夕阳红养老院"),
                ),
            ),
            ("机构性质", pick("公办", "公建民营", "民办", "民办")),
            ("床位数(张)", integer(30, 600)),
            ("地址", ADDRESS),
            ("联系电话", PHONE),
        ),
        file="elderly_care",
        freq="quarterly",
        rows=(8, 35),
    ),
    Subject(
        key="minimum-living-standards",
        title="{year}年城乡最低生活保障标准",
        title_en="Urban and rural minimum living allowance standards by city, {year}",
        variant="year",
        tags=("低保", "社会救助", "民生"),
        groups=("social-security", "livelihood"),
        notes="公布{year}年各市城市和农村居民最低生活保障标准及特困人员基本生活标准。",
        columns=(
            ("城市", CITY),
            ("城市低保标准(元/人·月)", integer(900, 1150)),
            ("农村低保标准(元/人·月)", derive("scale", "城市低保标准(元/人·月)", 0.72, 0.85, 0)),
            (
                "特困人员基本生活标准(元/人·月)",
                derive("scale", "城市低保标准(元/人·月)", 1.3, 1.3, 0),
            ),
        ),
        file="minimum_living_standards",
        per_city=True,
        rows=(16, 16),
    ),
    Subject(
        key="marriage-registries",
        title="全省婚姻登记机关名录",
        title_en="Marriage registration offices of the province",
        variant="province",
        tags=("婚姻登记", "办事指南", "民生"),
        groups=("livelihood",),
        notes="列出全省县级以上婚姻登记机关的地址、办公时间和咨询电话。",
        columns=(
            ("登记机关", fmt("{county}婚姻登记处")),
            ("所在市", CITY),
            ("地址", ADDRESS),
            ("办公时间", pick(*OFFICE_HOURS)),
            ("咨询电话", PHONE),
        ),
        file="marriage_registries",
        freq="irregular",
        rows=(30, 50),
    ),
    Subject(
        key="social-organizations",
        title="{year}年新登记社会组织名单",
        title_en="Newly registered social organizations, {year}",
        variant="year",
        tags=("社会组织", "登记", "名单"),
        groups=("livelihood",),
        notes="公布{year}年在民政部门新登记的社会团体、民办非企业单位和基金会。",
        columns=(
            (
                "社会组织名称",
                fmt(
                    "{city}{a}{b}",
                    a=words(
                        "青少年发展 志愿服务 慈善 老年人体育 书法家 物流 建筑业 软件行业 养老服务"
                    ),
                    b=("协会", "基金会", "促进会", "联合会", "服务中心"),
                ),
            ),
            (
                "组织类型",
                derive(
                    "lookup",
                    "社会组织名称",
                    (("基金会", "基金会"), ("服务中心", "民办非企业单位"), ("会", "社会团体")),
                ),
            ),
            (
                "统一社会信用代码",
                derive(
                    "credit_by",
                    "组织类型",
                    (("社会团体", "51"), ("民办非企业单位", "52"), ("基金会", "53")),
                ),
            ),
            ("登记日期", ANY_DATE),
            (
                "业务主管单位",
                pick("市民政局", "市教育局", "市文化和旅游局", "市体育局", "无（直接登记）"),
            ),
        ),
        file="social_organizations",
        freq="monthly",
        rows=(10, 40),
    ),
    Subject(
        key="standard-place-names",
        title="{area}道路街巷标准地名",
        title_en="Standard names of roads and streets in {area_en}",
        variant="area",
        tags=("地名", "道路", "区划地名"),
        groups=("livelihood", "urban-housing"),
        notes="发布{area}经批准命名的道路、街巷标准地名及其起止点和长度。",
        columns=(
            (
                "标准地名",
                fmt(
                    "{a}{b}",
                    a=words("文化 和平 解放 建设 青年 幸福 花园 振兴 团结 兴业 锦绣 滨河"),
                    b=("路", "街", "大道", "巷", "东路", "西路"),
                ),
            ),
            ("所在区县", COUNTY),
            ("起点", pick(*BUS_STOPS)),
            ("终点", derive("other_than", "起点", BUS_STOPS)),
            ("长度(米)", integer(180, 9600)),
            ("命名年份", integer(1985, 2025)),
        ),
        file="place_names",
        freq="irregular",
        rows=(15, 50),
    ),
    Subject(
        key="social-assistance-spending",
        title="{year}年社会救助资金支出情况",
        title_en="Social assistance expenditure by month, {year}",
        variant="year",
        tags=("社会救助", "救助资金", "民生"),
        groups=("social-security", "finance-tax"),
        notes="按月公开{year}年全省城乡低保、特困人员供养和临时救助资金支出及救助人次。",
        columns=(
            ("月份", MONTH),
            ("城乡低保(万元)", num(52000, 61000, 1)),
            ("特困人员供养(万元)", num(21000, 26000, 1)),
            ("临时救助(万元)", num(3000, 6500, 1)),
            ("救助人次", integer(2100000, 2500000)),
        ),
        file="social_assistance_spending",
        freq="monthly",
        rows=(12, 12),
    ),
    Subject(
        key="funeral-service-institutions",
        title="{area}殡葬服务机构名录",
        title_en="Funeral service institutions in {area_en}",
        variant="area",
        tags=("殡葬", "公墓", "民生服务"),
        groups=("livelihood",),
        notes="收录{area}殡仪馆、公益性公墓和殡葬服务中心的地址、服务内容和联系电话。",
        columns=(
            ("机构名称", fmt("{county}{a}", a=("殡仪馆", "公益性公墓", "殡葬服务中心", "骨灰堂"))),
            ("地址", ADDRESS),
            (
                "服务内容",
                derive(
                    "lookup",
                    "机构名称",
                    (
                        ("殡仪馆", "遗体接运、火化、告别仪式"),
                        ("公墓", "骨灰安葬、墓位租用"),
                        ("骨灰堂", "骨灰寄存"),
                        ("中心", "殡葬咨询、代办服务"),
                    ),
                ),
            ),
            ("收费标准", pick("按政府定价执行", "基本服务免费", "按备案价格执行")),
            ("联系电话", PHONE),
        ),
        file="funeral_services",
        freq="irregular",
        rows=(5, 18),
    ),
)
