"""Word pools for demo data: Chinese and English people and companies, industries, places, follow-up texts.

Names are built from common parts (百家姓 surnames, typical given-name characters, city + brand + industry
+ legal form for companies), so the data looks like a real customer list and exercises pinyin search,
company-suffix handling and homophones.
"""

from __future__ import annotations

import random

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
            "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕鹏辉斌宇浩凯健俊帆博文婷雪琳晨"
         "欣怡子涵梓萱浩然宇轩思远嘉豪佳琪晓东海波志刚建国春梅丹阳")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安", "天津", "长沙", "郑州",
          "青岛", "厦门", "宁波", "合肥", "福州", "济南", "无锡", "佛山", "东莞", "昆明", "大连", "沈阳", "哈尔滨", "南昌")
BRAND_CHARS = ("云帆星辰华瑞鼎盛创新远航博达恒通嘉禾金桥天成中科世纪宏图汇丰润泽信达永安德泰鑫源凯悦锦程"
               "银河东方光明长城万通海纳卓越精诚致远腾飞蓝海绿洲盛世")
INDUSTRY_WORDS = (("科技", "软件"), ("贸易", "贸易"), ("物流", "物流"), ("餐饮管理", "餐饮"), ("医疗器械", "医疗"),
                  ("电子", "制造"), ("建材", "建筑"), ("教育咨询", "教育"), ("食品", "食品"), ("服饰", "零售"),
                  ("汽车配件", "汽车"), ("环保工程", "环保"), ("广告传媒", "传媒"), ("信息技术", "软件"),
                  ("生物制药", "医疗"), ("机械设备", "制造"), ("文化传播", "传媒"), ("新能源", "能源"))
LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司")

FIRST_NAMES = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
               "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Emily", "Daniel",
               "Olivia", "Lucas", "Sophie", "Hannah", "Oliver", "Mia", "Noah", "Emma", "Liam", "Chloe")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
              "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
              "Walker", "Young", "Allen", "King", "Wright", "Scott", "Baker", "Carter", "Mitchell", "Turner")
COMPANY_WORDS = ("Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Acme", "Stark", "Wayne",
                 "Cyberdyne", "Tyrell", "Wonka", "Soylent", "Vandelay", "Hooli", "Pied Piper", "Blue Harbor",
                 "Silver Peak", "Red Maple", "Golden Gate", "Evergreen", "Summit", "Pioneer", "Atlas", "Orion")
COMPANY_KINDS = (("Trading", "Trade"), ("Logistics", "Logistics"), ("Software", "Software"), ("Foods", "Food"),
                 ("Medical", "Healthcare"), ("Motors", "Automotive"), ("Energy", "Energy"), ("Media", "Media"),
                 ("Robotics", "Manufacturing"), ("Textiles", "Retail"))
EN_LEGAL = ("Ltd", "Inc.", "LLC", "GmbH", "Pte Ltd", "Co., Ltd.", "Corp.")
EN_CITIES = ("Singapore", "London", "New York", "San Francisco", "Berlin", "Tokyo", "Sydney", "Hong Kong")

SOURCES_ZH = ("展会", "官网", "转介绍", "电话营销", "老客户", "合作伙伴", "百度推广", "微信公众号")
SOURCES_EN = ("Trade show", "Website", "Referral", "Cold call", "LinkedIn", "Partner")
TAGS_ZH = ("vip", "华东", "华南", "重点跟进", "年框", "渠道", "政府", "展会", "续约", "大客户")
TAGS_EN = ("enterprise", "smb", "renewal", "partner", "expo", "priority")
TITLES_ZH = ("总经理", "采购经理", "财务总监", "技术总监", "董事长", "行政主管", "运营经理", "销售总监")
TITLES_EN = ("CEO", "Purchasing Manager", "CFO", "CTO", "Head of Operations", "Office Manager")

TOPICS_ZH = ("续约", "报价", "新产品", "付款进度", "售后问题", "年度采购计划", "样品", "合同条款", "交付时间", "价格调整")
TOPICS_EN = ("the renewal", "the quote", "the new product line", "payment", "a support issue", "next year's budget",
             "samples", "contract terms", "delivery dates", "pricing")
FOLLOWUP_ZH = {"call": ("电话沟通了{t}", "打电话确认{t}", "电话回访，聊了{t}"), "visit": ("上门拜访，讨论{t}", "拜访客户，介绍{t}"),
               "message": ("微信跟进{t}", "发消息提醒{t}"), "email": ("发邮件说明{t}", "邮件发送了{t}资料"),
               "meeting": ("开会讨论{t}", "视频会议，确认{t}"), "note": ("备注：客户关心{t}", "内部讨论了{t}")}
FOLLOWUP_EN = {"call": ("Called about {t}", "Phone check-in on {t}"), "visit": ("Visited them to discuss {t}",),
               "message": ("Messaged about {t}",), "email": ("Emailed details on {t}", "Sent a follow-up email on {t}"),
               "meeting": ("Meeting on {t}", "Video call about {t}"), "note": ("Note: they care about {t}",)}
NEXT_STEPS_ZH = ("发报价", "寄样品", "确认合同", "回访", "催款", "安排演示", "约见面")
NEXT_STEPS_EN = ("send the quote", "ship samples", "confirm the contract", "check in", "chase payment", "demo")
ORDER_ITEMS_ZH = ("年度服务", "设备采购", "软件授权", "耗材", "定制开发", "培训服务")
ORDER_ITEMS_EN = ("Annual service", "Equipment", "Software licences", "Consumables", "Custom work", "Training")


def chinese_person(rng: random.Random) -> str:
    """张伟, 欧阳子涵-like names: one surname, one or two given characters."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def chinese_company(rng: random.Random) -> tuple[str, str, str]:
    """(name, industry, city), e.g. ("杭州云帆科技有限公司", "软件", "杭州")."""
    city = rng.choice(CITIES)
    brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
    words, industry = rng.choice(INDUSTRY_WORDS)
    return f"{city}{brand}{words}{rng.choice(LEGAL_FORMS)}", industry, city


def english_person(rng: random.Random) -> str:
    """"Emily Carter"-like names."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def english_company(rng: random.Random) -> tuple[str, str, str]:
    """(name, industry, city), e.g. ("Northwind Logistics Ltd", "Logistics", "Singapore")."""
    words, industry = rng.choice(COMPANY_KINDS)
    suffix = rng.choice(("", " " + rng.choice(("Asia", "Global", "International", "Partners"))))
    return f"{rng.choice(COMPANY_WORDS)}{suffix} {words} {rng.choice(EN_LEGAL)}", industry, rng.choice(EN_CITIES)


def email_for(name_ascii: str, number: int, rng: random.Random) -> str:
    """A plausible address from an ASCII name: ``zhangwei.1234@163.com``."""
    domain = rng.choice(("163.com", "qq.com", "126.com", "example.com", "mail.example.cn", "outlook.com"))
    local = "".join(ch for ch in name_ascii.lower() if ch.isalnum())[:20] or "contact"
    return f"{local}.{number}@{domain}"
