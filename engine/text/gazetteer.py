"""The gazetteer the place reader uses (engine/text/places.py): every place, one line each, as a key and
the ways it is written.

Geography, not conversation: ISO 3166 countries with their usual English names, adjectives and short
forms, the usual names of world and sales regions (EMEA, APAC, DACH, the Nordics), US states with their
postal codes, Canadian provinces, Australian states and large business cities. Nothing here was read
from a thread.
"""

from __future__ import annotations

__all__ = ["GAZETTEER"]

# key: spellings. "^Word" counts only capitalised; "=WORD" only exactly as written; other spellings in any
# case. A key joined by "+" is a group read as its members ("DACH" = Germany + Austria + Switzerland), so the
# group and its members listed agree: "the Nordics" is Denmark, Finland, Norway and Sweden (the sales region;
# Iceland counts when named), "EMEA" is Europe and the Middle East and Africa.
GAZETTEER = """
us: United States, United States of America, USA, U.S.A., =US, =U.S., ^the States, ^America, ^American, Stateside
uk: United Kingdom, UK, U.K., Great Britain, Britain, British, ^Brit
england: England
scotland: Scotland, Scottish
wales: Wales, Welsh
northern-ireland: Northern Ireland
ie: Ireland, Republic of Ireland, Irish, =IE
de: Germany, German, Deutschland, =DE
fr: France, French, =FR
es: Spain, Spanish, =ES
pt: Portugal, Portuguese
it: Italy, Italian
nl: Netherlands, the Netherlands, Holland, Dutch, =NL
be: Belgium, Belgian
lu: Luxembourg, Luxembourgish
ch: Switzerland, Swiss, =CH
at: Austria, Austrian, =AT
se: Sweden, Swedish, ^Swede
no: Norway, Norwegian
dk: Denmark, Danish, ^Dane, =DK
fi: Finland, Finnish, ^Finn, =FI
is: Iceland, Icelandic
pl: Poland, ^Polish, ^Pole, =PL
cz: Czechia, Czech Republic, Czech, =CZ
sk: Slovakia, Slovak, Slovakian
hu: Hungary, Hungarian
ro: Romania, Romanian
bg: Bulgaria, Bulgarian
gr: Greece, Greek
cy: Cyprus, Cypriot
mt: Malta, Maltese
hr: Croatia, Croatian
si: Slovenia, Slovenian
rs: Serbia, Serbian
ba: Bosnia, Bosnia and Herzegovina, Bosnian
al: Albania, Albanian
mk: North Macedonia, Macedonia, Macedonian
ee: Estonia, Estonian
lv: Latvia, Latvian
lt: Lithuania, Lithuanian
ua: Ukraine, Ukrainian
by: Belarus, Belarusian
md: Moldova, Moldovan
ru: Russia, Russian
tr: ^Turkey, Türkiye, Turkish
georgia: ^Georgia, ^Georgian
am: Armenia, Armenian
az: Azerbaijan, Azerbaijani
kz: Kazakhstan, Kazakh
uz: Uzbekistan, Uzbek
il: ^Israel, Israeli
jo: ^Jordan, Jordanian
lb: Lebanon, Lebanese
sa: Saudi Arabia, Kingdom of Saudi Arabia, Saudi, KSA
ae: United Arab Emirates, UAE, U.A.E., ^Emirates, Emirati
qa: Qatar, Qatari
kw: Kuwait, Kuwaiti
bh: Bahrain, Bahraini
om: Oman, Omani
ir: Iran, Iranian
iq: Iraq, Iraqi
eg: Egypt, Egyptian
ma: Morocco, Moroccan
dz: Algeria, Algerian
tn: Tunisia, Tunisian
ng: Nigeria, Nigerian
gh: Ghana, Ghanaian
ke: Kenya, Kenyan
et: Ethiopia, Ethiopian
tz: Tanzania, Tanzanian
ug: Uganda, Ugandan
rw: Rwanda, Rwandan
sn: Senegal, Senegalese
ci: Ivory Coast, Côte d'Ivoire, Cote d'Ivoire, Ivorian
cm: Cameroon, Cameroonian
za: South Africa, South African, =ZA
zw: Zimbabwe, Zimbabwean
zm: Zambia, Zambian
bw: Botswana
na: Namibia, Namibian
mz: Mozambique
in: India, Indian
pk: Pakistan, Pakistani
bd: Bangladesh, Bangladeshi
lk: Sri Lanka, Sri Lankan
np: Nepal, Nepalese, Nepali
cn: ^China, Chinese, PRC, Mainland China, =CN
hk: Hong Kong, =HK
tw: Taiwan, Taiwanese
jp: Japan, Japanese, =JP
kr: South Korea, Korea, Korean, South Korean
sg: Singapore, Singaporean, =SG
my: Malaysia, Malaysian
id: Indonesia, Indonesian
th: Thailand, Thai
vn: Vietnam, Viet Nam, Vietnamese
ph: Philippines, the Philippines, Philippine, Filipino
kh: Cambodia, Cambodian
mm: Myanmar, Burma
au: Australia, Australian, ^Aussie, =AU
nz: New Zealand, =NZ, Aotearoa
ca: Canada, Canadian
mx: Mexico, Mexican, =MX
br: Brazil, Brasil, Brazilian, =BR
ar: Argentina, Argentine, Argentinian
cl: Chile, Chilean
co: Colombia, Colombian
pe: Peru, Peruvian
ec: Ecuador, Ecuadorian
uy: Uruguay, Uruguayan
py: Paraguay, Paraguayan
bo: Bolivia, Bolivian
ve: Venezuela, Venezuelan
cr: Costa Rica, Costa Rican
pa: Panama, Panamanian
gt: Guatemala, Guatemalan
do: Dominican Republic
pr: Puerto Rico, Puerto Rican
jm: Jamaica, Jamaican
cu: Cuba, Cuban
europe: Europe, European, European Union, EU, E.U.
eea: EEA, European Economic Area
western-europe: Western Europe, Western European
northern-europe: Northern Europe, Northern European
southern-europe: Southern Europe, Southern European
cee: Eastern Europe, Eastern European, Central and Eastern Europe, Central Eastern Europe, CEE
dk+fi+no+se: Nordics, Nordic, Nordic countries, Nordic region, Scandinavia, Scandinavian
baltics: Baltics, Baltic states, Baltic
iberia: Iberia, Iberian Peninsula, Iberian
balkans: Balkans, Balkan
de+at+ch: DACH, DACH region
be+nl+lu: Benelux
au+nz: =ANZ, Australia and New Zealand, Australia & New Zealand
uk+ie: UK and Ireland, UK & Ireland, UKI, UK&I
europe+mea: EMEA
apac: APAC, Asia Pacific, Asia-Pacific, APJ
asia: Asia, Asian
southeast-asia: Southeast Asia, South-East Asia, South East Asia, SE Asia, ASEAN
south-asia: South Asia, South Asian
central-asia: Central Asia, Central Asian
middle-east: Middle East, Middle Eastern
mena: MENA, Middle East and North Africa
mea: =MEA, Middle East and Africa, Middle East & Africa
gcc: =GCC, ^Gulf, Gulf states, Gulf region, GCC countries, Gulf Cooperation Council
africa: Africa, African
sub-saharan-africa: Sub-Saharan Africa, Subsaharan Africa
north-africa: North Africa, North African
east-africa: East Africa, East African
west-africa: West Africa, West African
americas: the Americas, Americas
north-america: North America, North American, NORAM, NAMER, =NAM
latin-america: Latin America, Latin American, LATAM, LatAm
south-america: South America, South American
central-america: Central America, Central American
caribbean: Caribbean
oceania: Oceania
us-midwest: Midwest, Midwestern, the Midwest
us-east-coast: East Coast, the East Coast
us-west-coast: West Coast, the West Coast
us-northeast: the Northeast, New England
us-southeast: the Southeast
us-pacific-northwest: Pacific Northwest, PNW
us-bay-area: Bay Area, the Bay Area, Silicon Valley
us-al: Alabama
us-ak: Alaska, =AK
us-az: Arizona, =AZ
us-ar: Arkansas
us-ca: California, Californian, =Cali
us-co: Colorado
us-ct: Connecticut, =CT
us-de: Delaware
us-fl: Florida, =FL
us-hi: Hawaii, Hawaiian
us-id: Idaho
us-il: Illinois
us-in: ^Indiana
us-ia: Iowa
us-ks: Kansas, =KS
us-ky: Kentucky, =KY
us-la: Louisiana
us-me: ^Maine
us-md: Maryland
us-ma: Massachusetts
us-mi: Michigan
us-mn: Minnesota, =MN
us-ms: Mississippi
us-mo: Missouri
us-mt: Montana
us-ne: Nebraska
us-nv: Nevada, =NV
us-nh: New Hampshire, =NH
us-nj: New Jersey, =NJ
us-nm: New Mexico, =NM
us-ny: New York, New York City, NYC, =NY
us-nc: North Carolina
us-nd: North Dakota, =ND
us-oh: Ohio
us-ok: Oklahoma
us-or: Oregon
us-pa: Pennsylvania
us-ri: Rhode Island
us-sc: South Carolina
us-sd: South Dakota, =SD
us-tn: Tennessee, =TN
us-tx: Texas, Texan, =TX
us-ut: Utah
us-vt: Vermont, =VT
us-va: ^Virginia
us-wa: ^Washington, Washington State
us-wv: West Virginia, =WV
us-wi: Wisconsin, =WI
us-wy: Wyoming, =WY
us-dc: Washington DC, Washington D.C., District of Columbia
ca-on: Ontario
ca-qc: Quebec, Québec
ca-bc: British Columbia
ca-ab: Alberta
ca-mb: Manitoba
ca-sk: Saskatchewan
ca-ns: Nova Scotia
ca-nb: New Brunswick
ca-nl: Newfoundland
au-nsw: New South Wales, NSW
au-qld: Queensland, QLD
au-wa: Western Australia
au-sa: South Australia
au-tas: Tasmania
au-nt: Northern Territory
london: London
manchester: Manchester
birmingham: Birmingham
edinburgh: Edinburgh
glasgow: Glasgow
berlin: Berlin
munich: Munich, München
frankfurt: Frankfurt
hamburg: Hamburg
cologne: Cologne, Köln
dusseldorf: Düsseldorf, Dusseldorf
stuttgart: Stuttgart
amsterdam: Amsterdam
rotterdam: Rotterdam
brussels: Brussels
antwerp: Antwerp
madrid: Madrid
barcelona: Barcelona
lisbon: Lisbon, Lisboa
porto: Porto
milan: Milan, Milano
rome: Rome
vienna: Vienna, Wien
zurich: Zurich, Zürich
geneva: Geneva
stockholm: Stockholm
oslo: Oslo
copenhagen: Copenhagen
helsinki: Helsinki
warsaw: Warsaw
prague: Prague
budapest: Budapest
bucharest: Bucharest
athens: Athens
istanbul: Istanbul
dubai: Dubai
abu-dhabi: Abu Dhabi
riyadh: Riyadh
jeddah: Jeddah
doha: Doha
cairo: Cairo
lagos: Lagos
nairobi: Nairobi
johannesburg: Johannesburg, Joburg
cape-town: Cape Town
mumbai: Mumbai, Bombay
delhi: Delhi, New Delhi
bangalore: Bangalore, Bengaluru
hyderabad: Hyderabad
chennai: Chennai
pune: Pune
shanghai: Shanghai
beijing: Beijing
shenzhen: Shenzhen
tokyo: Tokyo
osaka: Osaka
seoul: Seoul
jakarta: Jakarta
manila: Manila
bangkok: Bangkok
kuala-lumpur: Kuala Lumpur, =KL
sydney: ^Sydney
melbourne: Melbourne
brisbane: Brisbane
auckland: Auckland
toronto: Toronto
vancouver: Vancouver
montreal: Montreal, Montréal
los-angeles: Los Angeles
san-francisco: San Francisco
chicago: Chicago
boston: Boston
seattle: Seattle
austin: ^Austin
dallas: ^Dallas
houston: Houston
denver: Denver
atlanta: Atlanta
miami: Miami
mexico-city: Mexico City
sao-paulo: São Paulo, Sao Paulo
buenos-aires: Buenos Aires
santiago: ^Santiago
bogota: Bogotá, Bogota
lima: Lima
"""
