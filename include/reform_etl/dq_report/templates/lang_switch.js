(function(){var k='reform-dq-lang',d=document.documentElement;
function set(l){d.classList.toggle('lang-en',l==='en');d.lang=l;try{localStorage.setItem(k,l)}catch(e){}}
var q=/[?&#]lang=(en|vi)/.exec(location.search+location.hash);
if(q){set(q[1])}else{try{var s=localStorage.getItem(k);if(s)set(s)}catch(e){}}
window.toggleLang=function(){set(d.classList.contains('lang-en')?'vi':'en')};})();
