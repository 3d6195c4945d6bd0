// Names for the demo town of 胜芳镇. They are made to look like the real thing (communities in the old town,
// villages around it, streets named the way north-China towns name them), not to be a survey of it.

export interface PlaceName { name: string; nameEn: string }

/** Communities of the built-up core, nearest the centre first (the old town and the station's street). */
export const URBAN_GRID_NAMES: readonly PlaceName[] = [
  { name: '中山街社区', nameEn: 'Zhongshanjie Community' },
  { name: '古镇景区', nameEn: 'Ancient Town Scenic Area' },
  { name: '新华社区', nameEn: 'Xinhua Community' },
  { name: '商贸街社区', nameEn: 'Shangmaojie Community' },
  { name: '迎宾路社区', nameEn: 'Yingbinlu Community' },
  { name: '文化街社区', nameEn: 'Wenhuajie Community' },
  { name: '胜利街社区', nameEn: 'Shenglijie Community' },
  { name: '家具城社区', nameEn: 'Furniture Mall Community' },
  { name: '金桥社区', nameEn: 'Jinqiao Community' },
  { name: '振兴社区', nameEn: 'Zhenxing Community' },
  { name: '东方社区', nameEn: 'Dongfang Community' },
  { name: '和平里社区', nameEn: 'Hepingli Community' },
  { name: '光明社区', nameEn: 'Guangming Community' },
];

export const INDUSTRIAL_GRID_NAME: PlaceName = { name: '工业园区', nameEn: 'Industrial Park' };

/** Villages of the outskirts, assigned going round the town from the east. */
export const VILLAGE_GRID_NAMES: readonly PlaceName[] = [
  { name: '胜芳村', nameEn: 'Shengfang Village' },
  { name: '东堤村', nameEn: 'Dongdi Village' },
  { name: '王泊村', nameEn: 'Wangbo Village' },
  { name: '南码头村', nameEn: 'Nanmatou Village' },
  { name: '西码头村', nameEn: 'Ximatou Village' },
  { name: '张庄子村', nameEn: 'Zhangzhuangzi Village' },
  { name: '李家营村', nameEn: 'Lijiaying Village' },
  { name: '杨家庄村', nameEn: 'Yangjiazhuang Village' },
  { name: '崔庄子村', nameEn: 'Cuizhuangzi Village' },
  { name: '小王庄村', nameEn: 'Xiaowangzhuang Village' },
  { name: '南拾村', nameEn: 'Nanshi Village' },
  { name: '北拾村', nameEn: 'Beishi Village' },
  { name: '新立村', nameEn: 'Xinli Village' },
  { name: '马家口村', nameEn: 'Majiakou Village' },
  { name: '刘家铺村', nameEn: 'Liujiapu Village' },
  { name: '辛庄村', nameEn: 'Xinzhuang Village' },
  { name: '后所村', nameEn: 'Housuo Village' },
  { name: '前所村', nameEn: 'Qiansuo Village' },
  { name: '三堡村', nameEn: 'Sanbao Village' },
  { name: '中堤村', nameEn: 'Zhongdi Village' },
  { name: '石沟村', nameEn: 'Shigou Village' },
  { name: '韩家庄村', nameEn: 'Hanjiazhuang Village' },
  { name: '褚河港村', nameEn: 'Chuhegang Village' },
  { name: '岔河集村', nameEn: 'Chaheji Village' },
  { name: '康仙庄村', nameEn: 'Kangxianzhuang Village' },
];

/** "东堤村" → "东堤", "中山街社区" → "中山街": the stem other names are built from. */
export function nameStem(gridName: string): string {
  return gridName.replace(/(社区|景区|村|区)$/u, '') || gridName;
}

export const ROAD_NAMES = {
  /** 胜芳大道 runs east–west, 中山大街 north–south, 环城路 rings the core, 迎宾大道 enters from the north-east. */
  primary: { eastWest: '胜芳大道', northSouth: '中山大街', ring: '环城路', diagonal: '迎宾大道' },
  secondaryEastWest: ['建设大街', '文化路', '金桥路', '团结路', '振兴路', '津霸路'],
  secondaryNorthSouth: ['新华路', '胜利路', '解放路', '育英路', '工业大街', '兴业路', '滨河路'],
  localEastWest: [
    '东大街', '光明街', '幸福街', '民主街', '和平街', '兴隆街', '永安街', '前进街', '聚福街', '永康街', '仁和街',
    '福安街', '长青街', '朝阳街', '通达街', '昌盛街',
  ],
  localNorthSouth: [
    '西大街', '南大街', '北大街', '育才街', '商贸街', '古镇一街', '古镇二街', '河沿街', '鼓楼街', '文昌街', '建华街',
    '新兴街', '安居街', '顺义街', '丰收街', '富强街',
  ],
} as const;

export const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗',
  '郑', '梁', '谢', '宋', '唐', '韩', '曹', '许', '邓', '冯', '田', '董', '袁', '于', '苏', '齐', '崔', '魏',
] as const;

export const GIVEN_NAMES = [
  '伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '刚', '辉', '鹏', '飞', '鑫', '波', '斌', '宇', '浩', '凯',
  '静', '丽', '敏', '燕', '娟', '霞', '婷', '雪', '慧', '颖', '建华', '志强', '海涛', '晓东', '立新', '国庆', '春雷',
  '永刚', '文博', '子豪', '晓燕', '丽娜', '海燕', '建军', '志刚', '红梅', '秀英', '玉兰', '凤霞', '建国', '振宇',
  '思远', '家豪', '一鸣', '梦琪', '欣怡', '佳琪', '雨涵', '宏伟', '卫东',
] as const;

/** Trade names for shops, firms and housing estates. */
export const BRAND_WORDS = [
  '华龙', '鑫达', '恒通', '金海', '宏宇', '盛隆', '永丰', '顺达', '嘉美', '天成', '福润', '佳乐', '兴旺', '瑞祥', '德顺',
  '汇丰', '博远', '众鑫', '利民', '富源', '金鼎', '宝丰', '润泽', '和美', '万隆', '安康', '景泰', '荣昌', '聚源', '盈科',
] as const;

export const SHOP_KINDS = [
  '超市', '便利店', '五金店', '饭店', '药店', '手机店', '烟酒店', '服装店', '面馆', '理发店', '电动车行', '家电商行',
  '水果店', '快递驿站', '建材店', '母婴店',
] as const;

export const FIRM_KINDS = [
  '钢木家具有限公司', '家具制造有限公司', '物流有限公司', '玻璃制品厂', '建材有限公司', '包装制品厂', '金属制品有限公司',
  '木业有限公司', '五金机械厂', '塑料制品厂',
] as const;

export const MARKET_KINDS = ['农贸市场', '集贸市场', '建材市场', '果蔬市场', '小商品市场', '批发市场', '早市'] as const;

export const RESIDENTIAL_SUFFIXES = ['花园', '家园', '小区', '苑', '新城', '嘉园', '雅居'] as const;

/** Standard kit of a 最小应急单元, most common first. */
export const EMERGENCY_EQUIPMENT = [
  '灭火器', '防暴叉', '盾牌', '急救箱', '对讲机', '警棍', '防刺服', '头盔', '强光手电', '应急灯',
] as const;

export const COMBAT_EQUIPMENT = ['对讲机', '执法记录仪', '警棍', '防刺服', '强光手电', '急救包'] as const;
