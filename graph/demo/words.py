"""What the demo dataset is made of: names, places, channels, tags, phrases, proportions.

Chinese names come with their pinyin so that usernames and mail addresses stay ASCII.
Every mail domain built from these is under ``example.com`` (reserved, never delivered).
"""

from __future__ import annotations


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Split ``"张 zhang 王 wang"`` into ``(("张", "zhang"), ("王", "wang"))``."""
    words = text.split()
    return tuple(zip(words[::2], words[1::2], strict=True))


def _list(text: str) -> tuple[str, ...]:
    """Split a ``|``-separated list (items may contain spaces)."""
    return tuple(item.strip() for item in text.split("|"))


# Weighted choices as repeated entries: rng.choice on them is cheap and simple.
STAGES = ("potential",) * 8 + ("intent",) * 5 + ("deal",) * 5 + ("lost",) * 2
TIERS = ("A",) * 3 + ("B",) * 7 + ("C",) * 10
TIER_AMOUNT = {"A": (60_000.0, 400_000.0), "B": (15_000.0, 80_000.0), "C": (2_000.0, 20_000.0)}
METHODS = ("phone", "visit", "wechat", "email")
FOLLOW_UPS_BY_STAGE = {"potential": (0, 3), "intent": (1, 4), "deal": (2, 5), "lost": (1, 3)}
SATISFACTION = ((1, 2, 3, 4, 5), (5, 8, 20, 35, 32))  # scores and their weights
SURNAMES = _pairs(
    "张 zhang 王 wang 李 li 赵 zhao 刘 liu 陈 chen 杨 yang 黄 huang 周 zhou 吴 wu 徐 xu "
    "孙 sun 马 ma 朱 zhu 胡 hu 郭 guo 何 he 林 lin 高 gao 罗 luo 郑 zheng 梁 liang 谢 xie "
    "宋 song 唐 tang 韩 han 冯 feng 邓 deng 曹 cao 彭 peng"
)
GIVEN = _pairs(
    "伟 wei 娜 na 芳 fang 敏 min 静 jing 磊 lei 洋 yang 勇 yong 艳 yan 杰 jie 涛 tao 明 ming "
    "超 chao 秀英 xiuying 华 hua 丽 li 强 qiang 军 jun 平 ping 刚 gang 桂英 guiying "
    "浩然 haoran 子涵 zihan 欣怡 xinyi 宇轩 yuxuan 晓东 xiaodong 建国 jianguo 海燕 haiyan "
    "志强 zhiqiang 雪 xue 婷 ting 鹏 peng 辉 hui 琳 lin 博 bo 颖 ying 思远 siyuan 雨桐 yutong"
)
EN_GIVEN = tuple("Emma Oliver Sophia James Lucas Mia Noah Grace Daniel Chloe Ethan Lily".split())
EN_SURNAMES = tuple("Li Wang Chen Smith Brown Zhang Lee Miller Wong Taylor Liu Clark".split())
# Two of these make a company's trade name (字号): 明远, 华信, 鼎盛...
BRAND = _pairs(
    "明 ming 远 yuan 华 hua 信 xin 恒 heng 达 da 鼎 ding 盛 sheng 瑞 rui 丰 feng 启 qi "
    "航 hang 金 jin 桥 qiao 天 tian 成 cheng 宏 hong 图 tu 新 xin 源 yuan 博 bo 嘉 jia "
    "禾 he 安 an 泰 tai 永 yong 康 kang 凯 kai 龙 long 腾 teng 中 zhong 兴 xing 创 chuang "
    "汇 hui 通 tong 海 hai 峰 feng 蓝 lan 星 xing 东 dong 方 fang 正 zheng 润 run 德 de"
)
EN_BRANDS = tuple(
    "Acme Northwind Summit Pioneer Evergreen Silverline Redwood Harbor Bluesky Crestview "
    "Ironbridge Lakeside Brightstar Oakfield Westgate Sunrise Everbright Greenfield".split()
)
EN_MIDDLES = ("", "", "Asia ", "China ", "Pacific ", "Global ")
EN_SUFFIXES = _list("Ltd | Co., Ltd. | Inc. | GmbH | Pte. Ltd. | LLC")
ZH_SUFFIXES = ("有限公司", "有限公司", "股份有限公司", "集团有限公司")
# industry (the stored value), words for Chinese and for English company names
INDUSTRIES = tuple(
    (industry, tuple(zh.split()), tuple(en.split()))
    for industry, zh, en in (
        ("制造业", "机械 精密制造 模具", "Robotics Machinery Precision"),
        ("批发零售", "贸易 商贸 进出口", "Trading Commerce Imports"),
        ("信息技术", "科技 软件 信息技术", "Software Technologies Digital"),
        ("医疗健康", "医疗器械 生物科技 医药", "Medical Biotech Health"),
        ("物流运输", "物流 供应链 运输", "Logistics Freight Shipping"),
        ("建筑建材", "建材 建筑工程 装饰工程", "Materials Construction Building"),
        ("食品饮料", "食品 饮品 农业", "Foods Beverages Farms"),
        ("电子电器", "电子 电器 光电", "Electronics Appliances Optics"),
        ("教育培训", "教育科技 培训", "Education Learning"),
        ("金融服务", "投资咨询 融资租赁", "Capital Finance"),
    )
)
# region (province + city, or the municipality), city, districts
PLACES = tuple(
    (city if province == city else province + city, city, tuple(districts.split()))
    for province, city, districts in (
        ("上海市", "上海市", "浦东新区 徐汇区 闵行区 静安区"),
        ("北京市", "北京市", "朝阳区 海淀区 丰台区 东城区"),
        ("广东省", "深圳市", "南山区 福田区 宝安区 龙岗区"),
        ("广东省", "广州市", "天河区 越秀区 番禺区"),
        ("浙江省", "杭州市", "西湖区 滨江区 余杭区"),
        ("江苏省", "苏州市", "工业园区 吴中区 姑苏区"),
        ("江苏省", "南京市", "鼓楼区 江宁区 建邺区"),
        ("四川省", "成都市", "高新区 武侯区 锦江区"),
        ("湖北省", "武汉市", "江汉区 洪山区 武昌区"),
        ("山东省", "青岛市", "市南区 黄岛区 崂山区"),
        ("天津市", "天津市", "和平区 滨海新区"),
        ("福建省", "厦门市", "思明区 湖里区"),
        ("重庆市", "重庆市", "渝中区 江北区 渝北区"),
        ("陕西省", "西安市", "雁塔区 未央区"),
    )
)
ROADS = tuple(
    "人民路 中山路 建设路 解放路 科技园路 长江路 滨河大道 世纪大道 创新大道 和平路".split()
)
# uid, name, name_en, parent uid, weight as the channel of a customer nobody referred
CHANNELS = (
    ("CH01", "官网", "Website", None, 14),
    ("CH02", "线上推广", "Online ads", None, 0),
    ("CH03", "百度推广", "Baidu SEM", "CH02", 10),
    ("CH04", "抖音", "Douyin", "CH02", 8),
    ("CH05", "微信", "WeChat", None, 16),
    ("CH06", "展会", "Trade show", None, 12),
    ("CH07", "转介绍", "Referral", None, 0),
    ("CH08", "电话", "Cold call", None, 10),
    ("CH09", "合作伙伴", "Partner", None, 0),
)
REFERRAL_CHANNEL, PARTNER_CHANNEL = "CH07", "CH09"
TAGS = _list(
    "VIP | 重点客户 | 老客户 | 高潜力 | 价格敏感 | Key account | Decision maker reached | 需回访 | "
    "Overseas | 政府项目 | 中小企业 | Enterprise | Churn risk | Upsell | 展会线索"
)
# user titles: director, manager, rep, service lead, service agent
STAFF_TITLES = ("销售总监", "销售经理", "销售代表", "客服主管", "客服专员")
TITLES = _list("总经理 | 采购经理 | 技术总监 | 财务经理 | 行政主管 | 项目经理 | CEO | IT Director")
SUMMARIES = {
    "phone": _list("电话沟通采购需求 | 电话回访使用情况 | Call to confirm the budget"),
    "visit": _list("上门拜访，演示产品 | Onsite visit with the IT team | 拜访决策人，介绍方案"),
    "wechat": _list("微信发送报价单 | 微信群答疑 | WeChat follow-up on the trial"),
    "email": _list("邮件跟进合同条款 | Sent the proposal by email | 邮件发送案例资料"),
}
FEEDBACK = _list(
    "客户对价格有顾虑 | 需要内部审批 | 对方案比较满意 | Interested in a trial | 暂无明确需求 | "
    "Asked for a discount | 竞品也在接触"
)
NEXT_STEPS = _list(
    "发送正式报价 | 安排技术交流 | Schedule a demo | 跟进合同签署 | 三个月后回访 | "
    "Send case studies"
)
# product, price factor applied to the customer tier's amount range
PRODUCTS = (
    ("CRM 标准版", 1.0),
    ("CRM 企业版", 3.0),
    ("数据分析模块", 1.5),
    ("实施服务", 2.0),
    ("年度维保", 0.8),
    ("培训服务", 0.4),
    ("API 接入包", 0.6),
    ("私有化部署", 5.0),
)
SUBJECTS = _list(
    "无法登录系统 | 发票抬头错误 | 数据导出失败 | Request for training | 功能建议：批量导入 | "
    "Invoice question | 系统响应慢 | 账号权限调整"
)
