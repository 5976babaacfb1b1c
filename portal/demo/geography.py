"""Geography and everyday vocabulary of the demo province (modelled on Shandong, 370000)."""

from __future__ import annotations

from typing import NamedTuple

PROVINCE_CODE = "370000"
PROVINCE_AREA = "全省"
PROVINCE_AREA_EN = "the province"

YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
CURRENT_YEAR = 2025


class City(NamedTuple):
    """A prefecture-level city with its administrative code and its districts/counties."""

    code: str
    name: str
    name_en: str
    phone_prefix: str
    lng: float
    lat: float
    population: int  # resident population, 10k people (approximate)
    counties: tuple[str, ...]


def _city(facts: str, counties: str) -> City:
    """Build a city from ``"code name name_en phone lng lat population"`` and county names."""
    code, name, name_en, phone, lng, lat, population = facts.split()
    coordinates = float(lng), float(lat)
    return City(code, name, name_en, phone, *coordinates, int(population), tuple(counties.split()))


CITIES: tuple[City, ...] = (
    _city(
        "370100 济南市 Jinan 0531 117.00 36.65 944",
        "历下区 市中区 槐荫区 天桥区 历城区 长清区 章丘区 济阳区 莱芜区 平阴县 商河县",
    ),
    _city(
        "370200 青岛市 Qingdao 0532 120.38 36.07 1037",
        "市南区 市北区 黄岛区 崂山区 李沧区 城阳区 即墨区 胶州市 平度市 莱西市",
    ),
    _city(
        "370300 淄博市 Zibo 0533 118.05 36.81 470",
        "淄川区 张店区 博山区 临淄区 周村区 桓台县 高青县 沂源县",
    ),
    _city(
        "370400 枣庄市 Zaozhuang 0632 117.32 34.81 385",
        "市中区 薛城区 峄城区 台儿庄区 山亭区 滕州市",
    ),
    _city(
        "370500 东营市 Dongying 0546 118.67 37.43 220",
        "东营区 河口区 垦利区 利津县 广饶县",
    ),
    _city(
        "370600 烟台市 Yantai 0535 121.45 37.46 705",
        "芝罘区 福山区 牟平区 莱山区 蓬莱区 龙口市 莱阳市 莱州市 招远市 栖霞市 海阳市",
    ),
    _city(
        "370700 潍坊市 Weifang 0536 119.16 36.71 938",
        "潍城区 寒亭区 坊子区 奎文区 青州市 诸城市 寿光市 安丘市 高密市 昌邑市 临朐县 昌乐县",
    ),
    _city(
        "370800 济宁市 Jining 0537 116.59 35.41 829",
        "任城区 兖州区 曲阜市 邹城市 微山县 鱼台县 金乡县 嘉祥县 汶上县 泗水县 梁山县",
    ),
    _city(
        "370900 泰安市 Tai'an 0538 117.09 36.20 545",
        "泰山区 岱岳区 新泰市 肥城市 宁阳县 东平县",
    ),
    _city(
        "371000 威海市 Weihai 0631 122.12 37.51 291",
        "环翠区 文登区 荣成市 乳山市",
    ),
    _city(
        "371100 日照市 Rizhao 0633 119.53 35.42 297",
        "东港区 岚山区 五莲县 莒县",
    ),
    _city(
        "371300 临沂市 Linyi 0539 118.36 35.10 1100",
        "兰山区 罗庄区 河东区 沂南县 郯城县 沂水县 兰陵县 费县 平邑县 莒南县 蒙阴县 临沭县",
    ),
    _city(
        "371400 德州市 Dezhou 0534 116.36 37.44 556",
        "德城区 陵城区 禹城市 乐陵市 宁津县 庆云县 临邑县 齐河县 平原县 夏津县 武城县",
    ),
    _city(
        "371500 聊城市 Liaocheng 0635 115.99 36.46 589",
        "东昌府区 茌平区 临清市 阳谷县 莘县 东阿县 冠县 高唐县",
    ),
    _city(
        "371600 滨州市 Binzhou 0543 117.97 37.38 392",
        "滨城区 沾化区 邹平市 惠民县 阳信县 无棣县 博兴县",
    ),
    _city(
        "371700 菏泽市 Heze 0530 115.48 35.23 871",
        "牡丹区 定陶区 曹县 单县 成武县 巨野县 郓城县 鄄城县 东明县",
    ),
)

#: Average city population (10k people); used to scale per-city statistics.
MEAN_POPULATION = sum(city.population for city in CITIES) / len(CITIES)

ROADS: tuple[str, ...] = tuple(
    "人民路 解放路 建设路 文化路 和平路 胜利街 新华路 中山路 黄河路 泰山路 长江路 青年路 "
    "花园路 工业北路 民生街 育才路".split()
)
