// templates.js — standard warning texts the duty console offers when an officer composes a warning:
// per event (keyed by name, with the GB/T 35561 event code the console sends) and per colour, a
// headline, a description skeleton and the defence instructions, in Chinese and English. The texts
// follow the China Meteorological Administration's published warning signals and their defence
// guidelines (气象灾害预警信号及防御指南, CMA 2007) and GB/T 35561 event names, written for this console.
//
// Placeholders: {area} is the issuing office or area (it comes before 气象台 / "Meteorological
// Observatory"); {hours} is the time span the standard's criterion names, and a level that uses it
// gives the standard's span in `hours` (e.g. 12 for an orange typhoon signal). In a description,
// …… (zh) and … (en) mark where the forecaster adds the specifics; they must not go out unfilled.
//
// Levels the standard does not define are left out, not invented:
//   lightning 雷电: no blue; heat 高温: no blue; fog 大雾: no blue; hail 冰雹: no blue, no yellow.
// Not CMA signals:
//   storm-surge 风暴潮 (11E02): the four levels are the State Oceanic Administration's storm-surge
//     warning levels, by the four-colour alert tide levels (蓝/黄/橙/红色警戒潮位, GB/T 17839); the
//     instructions are written for tocsin from the marine forecasters' usual advice.
//   waterlogging 渍涝风险 (11B36, the national early-warning release system's code for 渍涝风险; not in
//     the server's table of known codes, so its checks warn): no published national criteria or
//     guidelines; every level is written for tocsin and marked official: false.
'use strict';

const templates = {
  typhoon: {
    code: '11B01',
    zh: { event: '台风', unit: '气象台' },
    en: { event: 'Typhoon', unit: 'Meteorological Observatory' },
    levels: {
      blue: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布台风蓝色预警信号',
          description: '预计{hours}小时内……可能或者已经受热带气旋影响，沿海或者陆地平均风力达6级以上，或者阵风8级以上并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防台风准备工作；2.停止露天集体活动和高空等户外危险作业；3.相关水域水上作业和过往船舶采取积极的应对措施，如回港避风或者绕道航行等；4.加固门窗、围板、棚架、广告牌等易被风吹动的搭建物，切断危险的室外电源。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues blue typhoon warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected, or is already affected, by a tropical cyclone, with mean winds of force 6 or above, or gusts of force 8 or above, on the coast or inland, likely to persist. …',
          instruction: '1. The government and relevant departments prepare for the typhoon according to their responsibilities; 2. Stop open-air group activities and dangerous outdoor work such as work at height; 3. People working on the water and passing vessels in the waters concerned take active measures, such as returning to port for shelter or changing course; 4. Secure doors, windows, hoardings, sheds, billboards and other structures the wind can move, and cut off dangerous outdoor power supplies.',
        },
      },
      yellow: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布台风黄色预警信号',
          description: '预计{hours}小时内……可能或者已经受热带气旋影响，沿海或者陆地平均风力达8级以上，或者阵风10级以上并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防台风应急准备工作；2.停止室内外大型集会和高空等户外危险作业；3.相关水域水上作业和过往船舶采取积极的应对措施，加固港口设施，防止船舶走锚、搁浅和碰撞；4.加固或者拆除易被风吹动的搭建物，人员切勿随意外出，确保老人小孩留在家中最安全的地方，危房人员及时转移。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow typhoon warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected, or is already affected, by a tropical cyclone, with mean winds of force 8 or above, or gusts of force 10 or above, on the coast or inland, likely to persist. …',
          instruction: '1. The government and relevant departments make emergency preparations for the typhoon according to their responsibilities; 2. Stop large indoor and outdoor gatherings and dangerous outdoor work such as work at height; 3. People working on the water and passing vessels in the waters concerned take active measures; reinforce port facilities and keep vessels from dragging anchor, running aground or colliding; 4. Secure or take down structures the wind can move; do not go out unless you must; keep the elderly and children in the safest place at home; people in unsafe houses move out in time.',
        },
      },
      orange: {
        hours: 12,
        zh: {
          headline: '{area}气象台发布台风橙色预警信号',
          description: '预计{hours}小时内……可能或者已经受热带气旋影响，沿海或者陆地平均风力达10级以上，或者阵风12级以上并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防台风抢险应急工作；2.停止室内外大型集会、停课、停业（除特殊行业外）；3.相关应急处置部门和抢险单位加强值班，密切监视灾情，落实应对措施；4.相关水域水上作业和过往船舶应当回港避风，加固港口设施，防止船舶走锚、搁浅和碰撞；5.加固或者拆除易被风吹动的搭建物，人员应当尽可能待在防风安全的地方，当台风中心经过时风力会减小或者静止一段时间，切记强风将会突然吹袭，应当继续留在安全处避风，危房人员及时转移；6.相关地区应当注意防范强降水可能引发的山洪、地质灾害。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange typhoon warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected, or is already affected, by a tropical cyclone, with mean winds of force 10 or above, or gusts of force 12 or above, on the coast or inland, likely to persist. …',
          instruction: '1. The government and relevant departments carry out typhoon emergency and rescue work according to their responsibilities; 2. Stop large indoor and outdoor gatherings; suspend classes and close businesses (except essential services); 3. Emergency response departments and rescue teams strengthen their duty watch, monitor the situation closely and carry out response measures; 4. People working on the water and passing vessels in the waters concerned return to port for shelter; reinforce port facilities and keep vessels from dragging anchor, running aground or colliding; 5. Secure or take down structures the wind can move; stay in a place safe from the wind as far as possible; when the centre of the typhoon passes, the wind may drop or stop for a while, but strong winds will suddenly return, so stay where you are safe; people in unsafe houses move out in time; 6. The areas concerned guard against flash floods and geological hazards that the heavy rain may cause.',
        },
      },
      red: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布台风红色预警信号',
          description: '预计{hours}小时内……可能或者已经受热带气旋影响，沿海或者陆地平均风力达12级以上，或者阵风达14级以上并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防台风应急和抢险工作；2.停止集会、停课、停业（除特殊行业外）；3.回港避风的船舶要视情况采取积极措施，妥善安排人员留守或者转移到安全地带；4.加固或者拆除易被风吹动的搭建物，人员应当待在防风安全的地方，当台风中心经过时风力会减小或者静止一段时间，切记强风将会突然吹袭，应当继续留在安全处避风，危房人员及时转移；5.相关地区应当注意防范强降水可能引发的山洪、地质灾害。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red typhoon warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected, or is already affected, by a tropical cyclone, with mean winds of force 12 or above, or gusts of force 14 or above, on the coast or inland, likely to persist. …',
          instruction: '1. The government and relevant departments carry out typhoon emergency and rescue work according to their responsibilities; 2. Stop gatherings; suspend classes and close businesses (except essential services); 3. Vessels sheltering in port take active measures as the situation requires, and make proper arrangements for crews to stay on watch or move to a safe place; 4. Secure or take down structures the wind can move; stay in a place safe from the wind; when the centre of the typhoon passes, the wind may drop or stop for a while, but strong winds will suddenly return, so stay where you are safe; people in unsafe houses move out in time; 5. The areas concerned guard against flash floods and geological hazards that the heavy rain may cause.',
        },
      },
    },
  },

  rainstorm: {
    code: '11B03',
    zh: { event: '暴雨', unit: '气象台' },
    en: { event: 'Rainstorm', unit: 'Meteorological Observatory' },
    levels: {
      blue: {
        hours: 12,
        zh: {
          headline: '{area}气象台发布暴雨蓝色预警信号',
          description: '预计{hours}小时内……降雨量将达50毫米以上，或者已达50毫米以上且降雨可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防暴雨准备工作；2.学校、幼儿园采取适当措施，保证学生和幼儿安全；3.驾驶人员应当注意道路积水和交通阻塞，确保安全；4.检查城市、农田、鱼塘排水系统，做好排涝准备。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues blue rainstorm warning signal',
          description: 'Within the next {hours} hours, rainfall over … is expected to reach 50 mm or more, or has already reached 50 mm or more and the rain may continue. …',
          instruction: '1. The government and relevant departments prepare for the rainstorm according to their responsibilities; 2. Schools and kindergartens take suitable measures to keep pupils and children safe; 3. Drivers watch out for water on the roads and for traffic jams, and drive safely; 4. Check the drainage of towns, farmland and fish ponds, and get ready to drain floodwater.',
        },
      },
      yellow: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布暴雨黄色预警信号',
          description: '预计{hours}小时内……降雨量将达50毫米以上，或者已达50毫米以上且降雨可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防暴雨工作；2.交通管理部门应当根据路况在强降雨路段采取交通管制措施，在积水路段实行交通引导；3.切断低洼地带有危险的室外电源，暂停在空旷地方的户外作业，转移危险地带人员和危房居民到安全场所避雨；4.检查城市、农田、鱼塘排水系统，采取必要的排涝措施。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow rainstorm warning signal',
          description: 'Within the next {hours} hours, rainfall over … is expected to reach 50 mm or more, or has already reached 50 mm or more and the rain may continue. …',
          instruction: '1. The government and relevant departments take action against the rainstorm according to their responsibilities; 2. Traffic management departments control traffic on roads with heavy rain as road conditions require, and direct traffic on flooded roads; 3. Cut off dangerous outdoor power supplies in low-lying areas, stop outdoor work in open places, and move people in danger zones and residents of unsafe houses to safe places; 4. Check the drainage of towns, farmland and fish ponds, and take the necessary measures to drain the water.',
        },
      },
      orange: {
        hours: 3,
        zh: {
          headline: '{area}气象台发布暴雨橙色预警信号',
          description: '预计{hours}小时内……降雨量将达50毫米以上，或者已达50毫米以上且降雨可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防暴雨应急工作；2.切断有危险的室外电源，暂停户外作业；3.处于危险地带的单位应当停课、停业，采取专门措施保护已到校学生、幼儿和其他上班人员的安全；4.做好城市、农田的排涝，注意防范可能引发的山洪、滑坡、泥石流等灾害。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange rainstorm warning signal',
          description: 'Within the next {hours} hours, rainfall over … is expected to reach 50 mm or more, or has already reached 50 mm or more and the rain may continue. …',
          instruction: '1. The government and relevant departments carry out rainstorm emergency work according to their responsibilities; 2. Cut off dangerous outdoor power supplies and stop outdoor work; 3. Schools and workplaces in danger zones suspend classes and close, and take special measures to protect the pupils, children and staff already there; 4. Drain the water from towns and farmland, and guard against flash floods, landslides, debris flows and other hazards the rain may cause.',
        },
      },
      red: {
        hours: 3,
        zh: {
          headline: '{area}气象台发布暴雨红色预警信号',
          description: '预计{hours}小时内……降雨量将达100毫米以上，或者已达100毫米以上且降雨可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防暴雨应急和抢险工作；2.停止集会、停课、停业（除特殊行业外）；3.做好山洪、滑坡、泥石流等灾害的防御和抢险工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red rainstorm warning signal',
          description: 'Within the next {hours} hours, rainfall over … is expected to reach 100 mm or more, or has already reached 100 mm or more and the rain may continue. …',
          instruction: '1. The government and relevant departments carry out rainstorm emergency and rescue work according to their responsibilities; 2. Stop gatherings; suspend classes and close businesses (except essential services); 3. Guard against flash floods, landslides, debris flows and other hazards, and carry out rescue work.',
        },
      },
    },
  },

  'storm-surge': {
    code: '11E02',
    zh: { event: '风暴潮', unit: '海洋预报台' },
    en: { event: 'Storm surge', unit: 'Marine Forecast Station' },
    levels: {
      blue: {
        zh: {
          headline: '{area}海洋预报台发布风暴潮蓝色预警',
          description: '受……影响，预计……，……沿海将出现……厘米的风暴增水，……潮位站将出现达到或超过当地蓝色警戒潮位的高潮位。……',
          instruction: '1.沿海政府及相关部门按照职责做好防御风暴潮的应急准备工作；2.各涉海单位采取积极有效的措施，组织渔船、养殖渔排、养殖场等做好防御工作；3.加固沿海渔业养殖设施和渔港设施，开展海堤、水闸等设施的巡查维护，做好防潮准备；4.停止海边露天集体活动和垂钓、游泳、冲浪、潜水等涉海娱乐休闲活动。',
        },
        en: {
          headline: '{area} Marine Forecast Station issues blue storm surge warning',
          description: 'Under the influence of …, a storm surge of … cm is expected along the coast of … during …; high tides at … tide station(s) will reach or exceed the local blue alert tide level. …',
          instruction: '1. Coastal governments and relevant departments make emergency preparations against the storm surge according to their responsibilities; 2. Units working at sea take effective measures and get fishing boats, fish-farming rafts and fish farms ready; 3. Reinforce coastal fish-farming facilities and fishing ports, inspect and maintain sea walls and sluices, and prepare for high tides; 4. Stop open-air group activities on the shore and leisure activities at sea such as fishing, swimming, surfing and diving.',
        },
      },
      yellow: {
        zh: {
          headline: '{area}海洋预报台发布风暴潮黄色预警',
          description: '受……影响，预计……，……沿海将出现……厘米的风暴增水，……潮位站将出现达到或超过当地黄色警戒潮位的高潮位。……',
          instruction: '1.沿海政府及相关部门按照职责做好防御风暴潮的应急工作；2.海上作业船只及时回港避风，渔排和养殖人员撤离到岸上；3.加固海堤、水闸和港口设施，做好薄弱和危险岸段海堤的加固和巡查；4.停止海边露天集体活动和涉海娱乐休闲活动，居民和游客不要到海边、海堤上观潮。',
        },
        en: {
          headline: '{area} Marine Forecast Station issues yellow storm surge warning',
          description: 'Under the influence of …, a storm surge of … cm is expected along the coast of … during …; high tides at … tide station(s) will reach or exceed the local yellow alert tide level. …',
          instruction: '1. Coastal governments and relevant departments take emergency action against the storm surge according to their responsibilities; 2. Vessels at sea return to port for shelter in time; people on fish-farming rafts and in fish farms come ashore; 3. Reinforce sea walls, sluices and port facilities, and strengthen and patrol weak and dangerous stretches of sea wall; 4. Stop open-air group activities on the shore and leisure activities at sea; residents and visitors do not go to the shore or onto sea walls to watch the tide.',
        },
      },
      orange: {
        zh: {
          headline: '{area}海洋预报台发布风暴潮橙色预警',
          description: '受……影响，预计……，……沿海将出现……厘米的风暴增水，……潮位站将出现达到或超过当地橙色警戒潮位的高潮位。……',
          instruction: '1.沿海政府及相关部门按照职责做好防御风暴潮的应急和抢险工作；2.船只全部回港避风并加固锚泊，渔排、养殖场和海上作业人员全部撤离上岸；3.加强海堤、水闸的巡查和抢护，关闭沿海闸门，做好薄弱岸段海堤的抢险准备；4.沿海低洼地区和危险岸段的人员做好转移准备，必要时及时转移到安全地带；5.停止海边一切露天活动，不要到海边、海堤上观潮。',
        },
        en: {
          headline: '{area} Marine Forecast Station issues orange storm surge warning',
          description: 'Under the influence of …, a storm surge of … cm is expected along the coast of … during …; high tides at … tide station(s) will reach or exceed the local orange alert tide level. …',
          instruction: '1. Coastal governments and relevant departments carry out storm surge emergency and rescue work according to their responsibilities; 2. All vessels return to port for shelter and secure their moorings; everyone on fish-farming rafts, in fish farms and working at sea comes ashore; 3. Step up patrols and repairs of sea walls and sluices, close coastal sluice gates, and prepare for emergency repairs on weak stretches of sea wall; 4. People in low-lying coastal areas and on dangerous stretches of coast get ready to move, and move to a safe place when necessary; 5. Stop all open-air activities on the shore; do not go to the shore or onto sea walls to watch the tide.',
        },
      },
      red: {
        zh: {
          headline: '{area}海洋预报台发布风暴潮红色预警',
          description: '受……影响，预计……，……沿海将出现……厘米的风暴增水，……潮位站将出现达到或超过当地红色警戒潮位的高潮位。……',
          instruction: '1.沿海政府及相关部门按照职责做好防御风暴潮的应急和抢险工作，随时准备启动抢险应急方案；2.船只全部回港避风，渔排、养殖场和海上作业人员全部撤离上岸；3.组织沿海低洼地区、危险岸段和海堤外的人员及时转移到安全地带；4.加强海堤、水闸、港口等设施的巡查和抢护，发现险情及时处置；5.居民不要靠近海边、海堤和河口，远离可能被海水淹没的地方。',
        },
        en: {
          headline: '{area} Marine Forecast Station issues red storm surge warning',
          description: 'Under the influence of …, a storm surge of … cm is expected along the coast of … during …; high tides at … tide station(s) will reach or exceed the local red alert tide level. …',
          instruction: '1. Coastal governments and relevant departments carry out storm surge emergency and rescue work according to their responsibilities, and stand ready to start their emergency rescue plans; 2. All vessels return to port for shelter; everyone on fish-farming rafts, in fish farms and working at sea comes ashore; 3. Move people in low-lying coastal areas, on dangerous stretches of coast and outside the sea walls to a safe place in time; 4. Step up patrols and repairs of sea walls, sluices, ports and other facilities, and deal with any danger at once; 5. Residents keep away from the shore, sea walls and river mouths, and from places the sea may flood.',
        },
      },
    },
  },

  lightning: {
    code: '11B14',
    zh: { event: '雷电', unit: '气象台' },
    en: { event: 'Lightning', unit: 'Meteorological Observatory' },
    levels: {
      yellow: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布雷电黄色预警信号',
          description: '预计{hours}小时内……可能发生雷电活动，可能会造成雷电灾害事故。……',
          instruction: '1.政府及相关部门按照职责做好防雷工作；2.密切关注天气，尽量避免户外活动。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow lightning warning signal',
          description: 'Within the next {hours} hours, lightning may occur over … and may cause lightning accidents. …',
          instruction: '1. The government and relevant departments take lightning protection measures according to their responsibilities; 2. Pay close attention to the weather and avoid outdoor activities as far as possible.',
        },
      },
      orange: {
        hours: 2,
        zh: {
          headline: '{area}气象台发布雷电橙色预警信号',
          description: '预计{hours}小时内……发生雷电活动的可能性很大，或者已经受雷电活动影响，且可能持续，出现雷电灾害事故的可能性比较大。……',
          instruction: '1.政府及相关部门按照职责落实防雷应急措施；2.人员应当留在室内，并关好门窗；3.户外人员应当躲入有防雷设施的建筑物或者汽车内；4.切断危险电源，不要在树下、电杆下、塔吊下避雨；5.在空旷场地不要打伞，不要把农具、羽毛球拍、高尔夫球杆等扛在肩上。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange lightning warning signal',
          description: 'Within the next {hours} hours, lightning is very likely over …, or … is already affected by lightning that may continue; lightning accidents are fairly likely. …',
          instruction: '1. The government and relevant departments put lightning emergency measures in place according to their responsibilities; 2. Stay indoors and close doors and windows; 3. People outdoors shelter in buildings with lightning protection or in cars; 4. Cut off dangerous power supplies; do not shelter from the rain under trees, utility poles or tower cranes; 5. In open ground, do not use an umbrella, and do not carry farm tools, badminton rackets, golf clubs or similar objects on your shoulder.',
        },
      },
      red: {
        hours: 2,
        zh: {
          headline: '{area}气象台发布雷电红色预警信号',
          description: '预计{hours}小时内……发生雷电活动的可能性非常大，或者已经有强烈的雷电活动发生，且可能持续，出现雷电灾害事故的可能性非常大。……',
          instruction: '1.政府及相关部门按照职责做好防雷应急抢险工作；2.人员应当尽量躲入有防雷设施的建筑物或者汽车内，并关好门窗；3.切勿接触天线、水管、铁丝网、金属门窗、建筑物外墙，远离电线等带电设备和其他类似金属装置；4.尽量不要使用无防雷装置或者防雷装置不完备的电视、电话等电器；5.密切注意雷电预警信息的发布。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red lightning warning signal',
          description: 'Within the next {hours} hours, lightning is extremely likely over …, or strong lightning is already occurring and may continue; lightning accidents are very likely. …',
          instruction: '1. The government and relevant departments carry out lightning emergency and rescue work according to their responsibilities; 2. Shelter in buildings with lightning protection or in cars as far as possible, and close doors and windows; 3. Do not touch aerials, water pipes, wire fences, metal doors and windows or the outside walls of buildings; keep away from power lines, other live equipment and similar metal installations; 4. Avoid using televisions, telephones and other electrical appliances that have no or incomplete lightning protection; 5. Pay close attention to new lightning warnings.',
        },
      },
    },
  },

  gale: {
    code: '11B06',
    zh: { event: '大风', unit: '气象台' },
    en: { event: 'Gale', unit: 'Meteorological Observatory' },
    levels: {
      blue: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布大风蓝色预警信号',
          description: '预计{hours}小时内……可能受大风影响，平均风力可达6级以上，或者阵风7级以上；或者已经受大风影响，平均风力为6～7级，或者阵风7～8级并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防大风工作；2.关好门窗，加固围板、棚架、广告牌等易被风吹动的搭建物，妥善安置易受大风影响的室外物品，遮盖建筑物资；3.相关水域水上作业和过往船舶采取积极的应对措施，如回港避风或者绕道航行等；4.行人注意尽量少骑自行车，刮风时不要在广告牌、临时搭建物等下面逗留；5.有关部门和单位注意森林、草原等防火。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues blue gale warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected by strong winds, with mean winds of force 6 or above, or gusts of force 7 or above; or it is already affected, with mean winds of force 6 to 7, or gusts of force 7 to 8, likely to persist. …',
          instruction: '1. The government and relevant departments take action against strong winds according to their responsibilities; 2. Close doors and windows; secure hoardings, sheds, billboards and other structures the wind can move; put away outdoor objects the wind can damage; cover building materials; 3. People working on the water and passing vessels in the waters concerned take active measures, such as returning to port for shelter or changing course; 4. Cycle as little as possible, and do not stay under billboards or temporary structures when the wind blows; 5. The departments and units concerned take care to prevent forest and grassland fires.',
        },
      },
      yellow: {
        hours: 12,
        zh: {
          headline: '{area}气象台发布大风黄色预警信号',
          description: '预计{hours}小时内……可能受大风影响，平均风力可达8级以上，或者阵风9级以上；或者已经受大风影响，平均风力为8～9级，或者阵风9～10级并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防大风工作；2.停止露天活动和高空等户外危险作业，危险地带人员和危房居民尽量转到避风场所避风；3.相关水域水上作业和过往船舶采取积极的应对措施，加固港口设施，防止船舶走锚、搁浅和碰撞；4.切断户外危险电源，妥善安置易受大风影响的室外物品，遮盖建筑物资；5.机场、高速公路等单位应当采取保障交通安全的措施，有关部门和单位注意森林、草原等防火。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow gale warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected by strong winds, with mean winds of force 8 or above, or gusts of force 9 or above; or it is already affected, with mean winds of force 8 to 9, or gusts of force 9 to 10, likely to persist. …',
          instruction: '1. The government and relevant departments take action against strong winds according to their responsibilities; 2. Stop open-air activities and dangerous outdoor work such as work at height; people in danger zones and residents of unsafe houses move to sheltered places as far as possible; 3. People working on the water and passing vessels in the waters concerned take active measures; reinforce port facilities and keep vessels from dragging anchor, running aground or colliding; 4. Cut off dangerous outdoor power supplies; put away outdoor objects the wind can damage; cover building materials; 5. Airports, expressways and similar operators take measures to keep traffic safe; the departments and units concerned take care to prevent forest and grassland fires.',
        },
      },
      orange: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布大风橙色预警信号',
          description: '预计{hours}小时内……可能受大风影响，平均风力可达10级以上，或者阵风11级以上；或者已经受大风影响，平均风力为10～11级，或者阵风11～12级并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防大风应急工作；2.房屋抗风能力较弱的中小学校和单位应当停课、停业，人员减少外出；3.相关水域水上作业和过往船舶应当回港避风，加固港口设施，防止船舶走锚、搁浅和碰撞；4.切断危险电源，妥善安置易受大风影响的室外物品，遮盖建筑物资；5.机场、铁路、高速公路、水上交通等单位应当采取保障交通安全的措施，有关部门和单位注意森林、草原等防火。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange gale warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected by strong winds, with mean winds of force 10 or above, or gusts of force 11 or above; or it is already affected, with mean winds of force 10 to 11, or gusts of force 11 to 12, likely to persist. …',
          instruction: '1. The government and relevant departments carry out emergency work against strong winds according to their responsibilities; 2. Schools and workplaces in buildings that stand up poorly to wind suspend classes and close; people go out less; 3. People working on the water and passing vessels in the waters concerned return to port for shelter; reinforce port facilities and keep vessels from dragging anchor, running aground or colliding; 4. Cut off dangerous power supplies; put away outdoor objects the wind can damage; cover building materials; 5. Airports, railways, expressways, water transport and similar operators take measures to keep traffic safe; the departments and units concerned take care to prevent forest and grassland fires.',
        },
      },
      red: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布大风红色预警信号',
          description: '预计{hours}小时内……可能受大风影响，平均风力可达12级以上，或者阵风13级以上；或者已经受大风影响，平均风力为12级以上，或者阵风13级以上并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防大风应急和抢险工作；2.人员应当尽可能停留在防风安全的地方，不要随意外出；3.回港避风的船舶要视情况采取积极措施，妥善安排人员留守或者转移到安全地带；4.切断危险电源，妥善安置易受大风影响的室外物品，遮盖建筑物资；5.机场、铁路、高速公路、水上交通等单位应当采取保障交通安全的措施，有关部门和单位注意森林、草原等防火。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red gale warning signal',
          description: 'Within the next {hours} hours, … is likely to be affected by strong winds, with mean winds of force 12 or above, or gusts of force 13 or above; or it is already affected, with mean winds of force 12 or above, or gusts of force 13 or above, likely to persist. …',
          instruction: '1. The government and relevant departments carry out emergency and rescue work against strong winds according to their responsibilities; 2. Stay in a place safe from the wind as far as possible, and do not go out unless you must; 3. Vessels sheltering in port take active measures as the situation requires, and make proper arrangements for crews to stay on watch or move to a safe place; 4. Cut off dangerous power supplies; put away outdoor objects the wind can damage; cover building materials; 5. Airports, railways, expressways, water transport and similar operators take measures to keep traffic safe; the departments and units concerned take care to prevent forest and grassland fires.',
        },
      },
    },
  },

  heat: {
    code: '11B09',
    zh: { event: '高温', unit: '气象台' },
    en: { event: 'Heat', unit: 'Meteorological Observatory' },
    levels: {
      yellow: {
        zh: {
          headline: '{area}气象台发布高温黄色预警信号',
          description: '预计……连续三天日最高气温将在35℃以上。……',
          instruction: '1.有关部门和单位按照职责做好防暑降温准备工作；2.午后尽量减少户外活动；3.对老、弱、病、幼人群提供防暑降温指导；4.高温条件下作业和白天需要长时间进行户外露天作业的人员应当采取必要的防护措施。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow heat warning signal',
          description: 'The daily maximum temperature over … is expected to be 35°C or above for three days in a row. …',
          instruction: '1. The departments and units concerned prepare to protect people from the heat according to their responsibilities; 2. Reduce outdoor activities in the afternoon as far as possible; 3. Give the elderly, the frail, the sick and young children advice on keeping cool; 4. People who work in high temperatures, or outdoors for long hours during the day, take the necessary protective measures.',
        },
      },
      orange: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布高温橙色预警信号',
          description: '预计{hours}小时内……最高气温将升至37℃以上。……',
          instruction: '1.有关部门和单位按照职责落实防暑降温保障措施；2.尽量避免在高温时段进行户外活动，高温条件下作业的人员应当缩短连续工作时间；3.对老、弱、病、幼人群提供防暑降温指导，并采取必要的防护措施；4.有关部门和单位应当注意防范因用电量过高，以及电线、变压器等电力负载过大而引发的火灾。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange heat warning signal',
          description: 'Within the next {hours} hours, the maximum temperature over … is expected to rise to 37°C or above. …',
          instruction: '1. The departments and units concerned put measures in place to protect people from the heat according to their responsibilities; 2. Avoid outdoor activities during the hottest hours as far as possible; people who work in high temperatures shorten their continuous working time; 3. Give the elderly, the frail, the sick and young children advice on keeping cool, and take the necessary protective measures; 4. The departments and units concerned guard against fires caused by very high power use and by overloaded power lines, transformers and other equipment.',
        },
      },
      red: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布高温红色预警信号',
          description: '预计{hours}小时内……最高气温将升至40℃以上。……',
          instruction: '1.有关部门和单位按照职责采取防暑降温应急措施；2.停止户外露天作业（除特殊行业外）；3.对老、弱、病、幼人群采取保护措施；4.有关部门和单位要特别注意防火。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red heat warning signal',
          description: 'Within the next {hours} hours, the maximum temperature over … is expected to rise to 40°C or above. …',
          instruction: '1. The departments and units concerned take emergency measures to protect people from the heat according to their responsibilities; 2. Stop open-air outdoor work (except essential services); 3. Take measures to protect the elderly, the frail, the sick and young children; 4. The departments and units concerned take special care to prevent fires.',
        },
      },
    },
  },

  'cold-wave': {
    code: '11B05',
    zh: { event: '寒潮', unit: '气象台' },
    en: { event: 'Cold wave', unit: 'Meteorological Observatory' },
    levels: {
      blue: {
        hours: 48,
        zh: {
          headline: '{area}气象台发布寒潮蓝色预警信号',
          description: '预计{hours}小时内……最低气温将要下降8℃以上，最低气温小于等于4℃，陆地平均风力可达5级以上；或者已经下降8℃以上，最低气温小于等于4℃，平均风力达5级以上，并可能持续。……',
          instruction: '1.政府及有关部门按照职责做好防寒潮准备工作；2.注意添衣保暖；3.对热带作物、水产品采取一定的防护措施；4.做好防风准备工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues blue cold wave warning signal',
          description: 'Within the next {hours} hours, the minimum temperature over … is expected to fall by 8°C or more, to 4°C or below, with mean winds over land of force 5 or above; or it has already fallen by 8°C or more, to 4°C or below, with mean winds of force 5 or above, likely to persist. …',
          instruction: '1. The government and relevant departments prepare for the cold wave according to their responsibilities; 2. Put on more clothes and keep warm; 3. Take protective measures for tropical crops and aquatic products; 4. Prepare for strong winds.',
        },
      },
      yellow: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布寒潮黄色预警信号',
          description: '预计{hours}小时内……最低气温将要下降10℃以上，最低气温小于等于4℃，陆地平均风力可达6级以上；或者已经下降10℃以上，最低气温小于等于4℃，平均风力达6级以上，并可能持续。……',
          instruction: '1.政府及有关部门按照职责做好防寒潮工作；2.注意添衣保暖，照顾好老、弱、病人；3.对牲畜、家禽和热带、亚热带水果及有关水产品、农作物等采取防寒措施；4.做好防风工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow cold wave warning signal',
          description: 'Within the next {hours} hours, the minimum temperature over … is expected to fall by 10°C or more, to 4°C or below, with mean winds over land of force 6 or above; or it has already fallen by 10°C or more, to 4°C or below, with mean winds of force 6 or above, likely to persist. …',
          instruction: '1. The government and relevant departments take action against the cold wave according to their responsibilities; 2. Put on more clothes and keep warm; look after the elderly, the frail and the sick; 3. Protect livestock, poultry, tropical and subtropical fruit, aquatic products and crops from the cold; 4. Take precautions against strong winds.',
        },
      },
      orange: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布寒潮橙色预警信号',
          description: '预计{hours}小时内……最低气温将要下降12℃以上，最低气温小于等于0℃，陆地平均风力可达6级以上；或者已经下降12℃以上，最低气温小于等于0℃，平均风力达6级以上，并可能持续。……',
          instruction: '1.政府及有关部门按照职责做好防寒潮应急工作；2.注意防寒保暖；3.农业、水产业、畜牧业等要积极采取防霜冻、冰冻等防寒措施，尽量减少损失；4.做好防风工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange cold wave warning signal',
          description: 'Within the next {hours} hours, the minimum temperature over … is expected to fall by 12°C or more, to 0°C or below, with mean winds over land of force 6 or above; or it has already fallen by 12°C or more, to 0°C or below, with mean winds of force 6 or above, likely to persist. …',
          instruction: '1. The government and relevant departments carry out cold wave emergency work according to their responsibilities; 2. Keep warm and protect yourself from the cold; 3. Farming, fish farming and animal husbandry take active measures against frost, freezing and cold to keep losses as small as possible; 4. Take precautions against strong winds.',
        },
      },
      red: {
        hours: 24,
        zh: {
          headline: '{area}气象台发布寒潮红色预警信号',
          description: '预计{hours}小时内……最低气温将要下降16℃以上，最低气温小于等于0℃，陆地平均风力可达6级以上；或者已经下降16℃以上，最低气温小于等于0℃，平均风力达6级以上，并可能持续。……',
          instruction: '1.政府及相关部门按照职责做好防寒潮的应急和抢险工作；2.注意防寒保暖；3.农业、水产业、畜牧业等要积极采取防霜冻、冰冻等防寒措施，尽量减少损失；4.做好防风工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red cold wave warning signal',
          description: 'Within the next {hours} hours, the minimum temperature over … is expected to fall by 16°C or more, to 0°C or below, with mean winds over land of force 6 or above; or it has already fallen by 16°C or more, to 0°C or below, with mean winds of force 6 or above, likely to persist. …',
          instruction: '1. The government and relevant departments carry out cold wave emergency and rescue work according to their responsibilities; 2. Keep warm and protect yourself from the cold; 3. Farming, fish farming and animal husbandry take active measures against frost, freezing and cold to keep losses as small as possible; 4. Take precautions against strong winds.',
        },
      },
    },
  },

  fog: {
    code: '11B17',
    zh: { event: '大雾', unit: '气象台' },
    en: { event: 'Fog', unit: 'Meteorological Observatory' },
    levels: {
      yellow: {
        hours: 12,
        zh: {
          headline: '{area}气象台发布大雾黄色预警信号',
          description: '预计{hours}小时内……可能出现能见度小于500米的雾，或者已经出现能见度小于500米、大于等于200米的雾并将持续。……',
          instruction: '1.有关部门和单位按照职责做好防雾准备工作；2.机场、高速公路、轮渡码头等单位加强交通管理，保障安全；3.驾驶人员注意雾的变化，小心驾驶；4.户外活动注意安全。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow fog warning signal',
          description: 'Within the next {hours} hours, fog with visibility below 500 m may form over …, or fog with visibility below 500 m but not below 200 m has already formed and will persist. …',
          instruction: '1. The departments and units concerned prepare for the fog according to their responsibilities; 2. Airports, expressways, ferry terminals and similar operators strengthen traffic management to keep people safe; 3. Drivers watch for changes in the fog and drive carefully; 4. Take care during outdoor activities.',
        },
      },
      orange: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布大雾橙色预警信号',
          description: '预计{hours}小时内……可能出现能见度小于200米的雾，或者已经出现能见度小于200米、大于等于50米的雾并将持续。……',
          instruction: '1.有关部门和单位按照职责做好防雾工作；2.机场、高速公路、轮渡码头等单位加强调度指挥；3.驾驶人员必须严格控制车、船的行进速度；4.减少户外活动。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange fog warning signal',
          description: 'Within the next {hours} hours, fog with visibility below 200 m may form over …, or fog with visibility below 200 m but not below 50 m has already formed and will persist. …',
          instruction: '1. The departments and units concerned take action against the fog according to their responsibilities; 2. Airports, expressways, ferry terminals and similar operators strengthen their traffic control and dispatching; 3. Drivers of vehicles and boats must keep their speed strictly under control; 4. Reduce outdoor activities.',
        },
      },
      red: {
        hours: 2,
        zh: {
          headline: '{area}气象台发布大雾红色预警信号',
          description: '预计{hours}小时内……可能出现能见度小于50米的雾，或者已经出现能见度小于50米的雾并将持续。……',
          instruction: '1.有关部门和单位按照职责做好防雾应急工作；2.有关单位按照行业规定适时采取交通安全管制措施，如机场暂停飞机起降，高速公路暂时封闭，轮渡暂时停航等；3.驾驶人员根据雾天行驶规定，采取雾天预防措施，根据环境条件采取合理行驶方式，并尽快寻找安全停放区域停靠；4.不要进行户外活动。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red fog warning signal',
          description: 'Within the next {hours} hours, fog with visibility below 50 m may form over …, or fog with visibility below 50 m has already formed and will persist. …',
          instruction: '1. The departments and units concerned carry out fog emergency work according to their responsibilities; 2. Operators take traffic safety control measures in good time under their industry rules, such as stopping take-offs and landings at airports, closing expressways and suspending ferries; 3. Drivers follow the rules for driving in fog, take fog precautions, drive in a way that suits the conditions, and find a safe place to stop as soon as possible; 4. Do not go out for outdoor activities.',
        },
      },
    },
  },

  hail: {
    code: '11B15',
    zh: { event: '冰雹', unit: '气象台' },
    en: { event: 'Hail', unit: 'Meteorological Observatory' },
    levels: {
      orange: {
        hours: 6,
        zh: {
          headline: '{area}气象台发布冰雹橙色预警信号',
          description: '预计{hours}小时内……可能出现冰雹天气，并可能造成雹灾。……',
          instruction: '1.政府及相关部门按照职责做好防冰雹的应急工作；2.气象部门做好人工防雹作业准备并择机进行作业；3.户外行人立即到安全的地方暂避；4.驱赶家禽、牲畜进入有顶篷的场所，妥善保护易受冰雹袭击的汽车等室外物品或者设备；5.注意防御冰雹天气伴随的雷电灾害。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange hail warning signal',
          description: 'Within the next {hours} hours, hail may fall over … and may cause hail damage. …',
          instruction: '1. The government and relevant departments carry out hail emergency work according to their responsibilities; 2. The meteorological service prepares hail suppression operations and carries them out when conditions allow; 3. People outdoors go to a safe place at once; 4. Drive poultry and livestock under cover; protect cars and other outdoor property and equipment that hail can damage; 5. Guard against the lightning that comes with hail.',
        },
      },
      red: {
        hours: 2,
        zh: {
          headline: '{area}气象台发布冰雹红色预警信号',
          description: '预计{hours}小时内……出现冰雹的可能性极大，并可能造成重雹灾。……',
          instruction: '1.政府及相关部门按照职责做好防冰雹的应急和抢险工作；2.气象部门适时开展人工防雹作业；3.户外行人立即到安全的地方暂避；4.驱赶家禽、牲畜进入有顶篷的场所，妥善保护易受冰雹袭击的汽车等室外物品或者设备；5.注意防御冰雹天气伴随的雷电灾害。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red hail warning signal',
          description: 'Within the next {hours} hours, hail is extremely likely over … and may cause severe hail damage. …',
          instruction: '1. The government and relevant departments carry out hail emergency and rescue work according to their responsibilities; 2. The meteorological service carries out hail suppression operations in good time; 3. People outdoors go to a safe place at once; 4. Drive poultry and livestock under cover; protect cars and other outdoor property and equipment that hail can damage; 5. Guard against the lightning that comes with hail.',
        },
      },
    },
  },

  waterlogging: {
    code: '11B36',
    zh: { event: '渍涝风险', unit: '气象台' },
    en: { event: 'Waterlogging risk', unit: 'Meteorological Observatory' },
    levels: {
      blue: {
        official: false,
        zh: {
          headline: '{area}气象台发布渍涝风险蓝色预警',
          description: '受……影响，预计……降雨量将达……毫米，……城镇低洼地带和部分农田可能出现积水和渍涝。……',
          instruction: '1.政府及相关部门按照职责做好防渍涝准备工作；2.检查城镇、农田、鱼塘排水系统，疏通沟渠和排水口，做好排涝准备；3.驾驶人员注意道路积水，不要驶入积水较深的路段和下穿通道；4.低洼地带居民注意防范积水进屋，把贵重物品和粮食放到高处。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues blue waterlogging risk warning',
          description: 'Under the influence of …, rainfall over … is expected to reach … mm; in …, water may collect in low-lying parts of towns and in some farmland. …',
          instruction: '1. The government and relevant departments prepare for waterlogging according to their responsibilities; 2. Check the drainage of towns, farmland and fish ponds, clear ditches and drain outlets, and get ready to pump out water; 3. Drivers watch out for water on the roads and do not drive into deep water or flooded underpasses; 4. Residents of low-lying areas take care that water does not get into their houses, and put valuables and grain up high.',
        },
      },
      yellow: {
        official: false,
        zh: {
          headline: '{area}气象台发布渍涝风险黄色预警',
          description: '受……影响，预计……降雨量将达……毫米，……城镇低洼地带、下穿通道和农田出现积水和渍涝的可能性较大，渍涝风险较高。……',
          instruction: '1.政府及相关部门按照职责做好防渍涝工作；2.启用排涝设施，及时排除城镇、农田和鱼塘的积水；3.交通管理部门在积水路段实行交通管制和引导，行人和车辆不要进入积水的下穿通道和低洼路段；4.切断低洼地带有危险的室外电源，地下室、地下车库等地下空间做好挡水准备。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues yellow waterlogging risk warning',
          description: 'Under the influence of …, rainfall over … is expected to reach … mm; in …, water is fairly likely to collect in low-lying parts of towns, in underpasses and in farmland, and the risk of waterlogging is fairly high. …',
          instruction: '1. The government and relevant departments take action against waterlogging according to their responsibilities; 2. Start the pumps and drain water from towns, farmland and fish ponds without delay; 3. Traffic management departments control and direct traffic on flooded roads; people and vehicles do not enter flooded underpasses or low-lying roads; 4. Cut off dangerous outdoor power supplies in low-lying areas, and get basements, underground car parks and other underground spaces ready to keep water out.',
        },
      },
      orange: {
        official: false,
        zh: {
          headline: '{area}气象台发布渍涝风险橙色预警',
          description: '受……影响，预计……降雨量将达……毫米，……城镇低洼地带、下穿通道、地下空间和农田出现渍涝的可能性大，局地积水较深，渍涝风险高。……',
          instruction: '1.政府及相关部门按照职责做好防渍涝应急工作；2.全力排涝，农田和鱼塘及时开沟排水、加固塘埂；3.停止在低洼地带和地下空间的作业，低洼地带、危房和地下空间内的人员转移到安全场所；4.切断有危险的室外电源，行人和车辆不要涉水通行，远离积水中的电线杆、变压器和井盖。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues orange waterlogging risk warning',
          description: 'Under the influence of …, rainfall over … is expected to reach … mm; in …, low-lying parts of towns, underpasses, underground spaces and farmland are likely to be waterlogged, with deep water in places, and the risk of waterlogging is high. …',
          instruction: '1. The government and relevant departments carry out waterlogging emergency work according to their responsibilities; 2. Pump out water with every means available; dig ditches to drain farmland and fish ponds, and strengthen pond banks; 3. Stop work in low-lying areas and underground spaces; people in low-lying areas, unsafe houses and underground spaces move to safe places; 4. Cut off dangerous outdoor power supplies; people and vehicles do not go through floodwater, and keep away from utility poles, transformers and manholes in the water.',
        },
      },
      red: {
        official: false,
        zh: {
          headline: '{area}气象台发布渍涝风险红色预警',
          description: '受……影响，预计……降雨量将达……毫米，……城镇和农田出现严重渍涝的可能性很大，大范围积水较深，渍涝风险很高。……',
          instruction: '1.政府及相关部门按照职责做好防渍涝应急和抢险工作；2.处于危险地带的单位应当停课、停业，采取专门措施保护已到校学生、幼儿和其他上班人员的安全；3.低洼地带、危房和地下空间内的人员立即转移到安全场所；4.不要涉水通行，不要进入地下空间，远离积水中的电线杆、变压器和井盖；5.做好排涝抢险和山洪、滑坡、泥石流等灾害的防御工作。',
        },
        en: {
          headline: '{area} Meteorological Observatory issues red waterlogging risk warning',
          description: 'Under the influence of …, rainfall over … is expected to reach … mm; in …, towns and farmland are very likely to be badly waterlogged, with deep water over wide areas, and the risk of waterlogging is very high. …',
          instruction: '1. The government and relevant departments carry out waterlogging emergency and rescue work according to their responsibilities; 2. Schools and workplaces in danger zones suspend classes and close, and take special measures to protect the pupils, children and staff already there; 3. People in low-lying areas, unsafe houses and underground spaces move to safe places at once; 4. Do not go through floodwater or into underground spaces, and keep away from utility poles, transformers and manholes in the water; 5. Carry out drainage and rescue work, and guard against flash floods, landslides, debris flows and other hazards.',
        },
      },
    },
  },
};
