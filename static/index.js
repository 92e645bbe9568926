/**
 * Landing page: the header with the language switch, and the page's texts in Chinese and English
 * (the HTML carries the Chinese; data-i18n keys name them).
 */

import { addPairs, startPage } from "/common/common.js";

const PAIRS = {
  "home.title": ["Jineng 技能 · 职业技能竞赛与职业技能等级证书", "Jineng 技能 · skills competitions and skill certificates"],
  "home.page": ["首页", "Home"],
  "home.heading": ["职业院校与技工院校的技能大赛和职业技能等级证书平台",
    "Skills competitions and skill-level certificates for vocational and technical schools"],
  "home.what": ["Jineng（技能）服务职业教育与技工教育融合发展：教育局与人社局在同一平台上举办校级、县级、市级、省级直至国家级技能大赛；学校为学生报名；裁判在平板上评分；成绩公示后评定奖项、晋升职业技能等级并选拔参加上一级比赛；毕业生获得带签名二维码的证书，用人单位扫码即可核验。",
    "Jineng (技能, “skill”) brings vocational and technical education onto one platform: education and human-resources bureaus run skills competitions at school, county, city, province and national level; schools register their students; judges mark on tablets; published results give awards, skill-level promotions and places at the next level; graduates receive certificates with a signed QR code that employers verify by scanning it."],
  "home.roles": ["按您的身份进入", "Where to go"],
  "home.school": ["院校报名", "School registration"],
  "home.school_text": ["院校联络员：管理本校学生名册（Excel 导入、导出），为学生报名个人赛和团体赛，查看审核意见并修改后重新提交。",
    "School coordinators: keep the school's roster (Excel import and export), register students for individual and team events, read the reviewers' remarks and resubmit."],
  "home.console": ["管理控制台", "Console"],
  "home.console_text": ["主办/承办单位（教育局、人社局）：创建竞赛和赛项，审核报名，导入与公布成绩，选拔晋级，签发证书。",
    "Organizers (education and human-resources bureaus): create competitions and events, review entries, import and publish results, run advancement, issue certificates."],
  "home.judge": ["裁判评分", "Judge tablet"],
  "home.judge_text": ["裁判：用账号或裁判长给的配对码登录平板，按编码评分（断网也能继续评分，联网后自动同步），处理超差复评，签字确认。裁判长、加密裁判和监督在管理控制台的“评分与裁判”中工作。",
    "Judges: sign the tablet in with your account or the chief judge's pairing code and mark by code (also offline — marks sync when the network is back), re-mark tickets, sign off. Chief judges, encryption officers and supervisors work in the console's Judging screens."],
  "home.scoreboard": ["实时成绩", "Live scoreboard"],
  "home.scoreboard_text": ["现场大屏和手机：比赛进行中按编码实时显示评分进度和暂定名次，成绩公布后显示选手、学校和奖项。",
    "For the venue's big screen and phones: marking progress and provisional standings by code while the event runs; competitors, schools and awards once the results are published."],
  "home.graduate": ["我的证书", "My certificates"],
  "home.graduate_text": ["毕业生：登录查看并下载自己的职业技能等级证书和获奖证书，分享验证链接。",
    "Graduates: sign in to see and download your skill-level and award certificates and share their verification links."],
  "home.verify": ["证书验证", "Verify a certificate"],
  "home.verify_text": ["用人单位：扫描证书上的二维码，或输入证书编号和姓名，核验证书真伪和当前状态。",
    "Employers: scan the certificate's QR code, or type its number and the holder's name, to check that it is genuine and still valid."],
  "home.results": ["成绩公示", "Published results"],
  "home.results_text": ["公众：查看各级竞赛已公布的成绩、奖项和获奖学校。", "Everyone: the published results, awards and schools of competitions at every level."],
  "home.dev": ["开发者", "For developers"],
  "home.openapi": ["（接口说明，离线可用）", "(the API description, works offline)"],
  "home.docs": ["API 文档页面", "API documentation"],
  "home.docs_note": ["（目前需联网加载页面脚本）", "(its page scripts still need the internet)"],
  "home.health": ["服务状态", "Service health"],
  "home.foot": ["Jineng 技能 · 演示数据：济宁市", "Jineng 技能 · demo data: Jining"],
};

addPairs(PAIRS);

startPage({ title: "home.page" });
