const e=self.location.origin;let t=null,n=null,r=[],i=0,a=32768,o=!1;function s(e){let t=Math.min(e.length,Math.max(0,a-i));return t>0&&(r.push(e.slice(0,t)),i+=t),t<e.length&&(o=!0),e.length}function c(){let e=new Uint8Array(i),t=0;for(let n of r)e.set(n,t),t+=n.length;let n=new TextDecoder().decode(e);return o&&n.endsWith(`�`)&&(n=n.slice(0,-1)),n}function l(e){let t=String(e||``).split(`
`),n=t.findIndex(e=>e.startsWith(`  File "<exec>"`));return n<0?t.join(`
`):[`Traceback (most recent call last):`,...t.slice(n)].join(`
`)}function u(){for(let e of[`fetch`,`XMLHttpRequest`,`WebSocket`,`EventSource`,`importScripts`,`indexedDB`,`caches`,`BroadcastChannel`,`navigator`,`Worker`,`SharedWorker`])try{Object.defineProperty(self,e,{value:void 0,configurable:!1,writable:!1})}catch{}}async function d(){try{let{loadPyodide:r}=await import(
/* @vite-ignore */
`/pyodide/pyodide.mjs`);t=await r({indexURL:`${e}/pyodide/`}),t.setStdout({write:s}),t.setStderr({write:s}),t.setStdin({stdin:()=>``});let i=t.globals.get(`dict`)();t.runPython(`
import ast

def check(src, expected, g):
    ns = dict(g)
    try:
        tree = ast.parse(src, mode="exec")
        value = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body.pop()
            exec(compile(tree, "<example>", "exec"), ns)
            value = eval(compile(ast.Expression(last.value), "<example>", "eval"), ns)
        else:
            exec(compile(tree, "<example>", "exec"), ns)
        actual = repr(value)
        return (actual.strip() == expected.strip(), actual, "")
    except BaseException as e:
        return (False, "", f"{type(e).__name__}: {e}")
`,{globals:i}),n=i.get(`check`),u(),self.postMessage({type:`ready`})}catch(e){self.postMessage({type:`failed`,message:String(e?.message||e)})}}self.onmessage=e=>{let u=e.data||{};if(u.type!==`run`||!t)return;r=[],i=0,o=!1,a=u.cap||a;let d=`ok`,f=t.globals.get(`dict`)();f.set(`__name__`,`__main__`);let p;try{t.runPython(u.code,{globals:f,filename:`<exec>`}),Array.isArray(u.examples)&&(p=u.examples.map((e,t)=>{let r=n(String(e.input),String(e.output),f),[i,a,o]=r.toJs();r.destroy();let s={name:`example ${t+1}`,passed:!!i,expected:String(e.output),actual:String(a)};return o&&(s.error=String(o)),s}))}catch(e){d=`error`,s(new TextEncoder().encode((i>0&&!c().endsWith(`
`)?`
`:``)+l(e?.message||e)))}finally{f.destroy()}self.postMessage({type:`done`,id:u.id,status:d,output:c(),truncated:o,tests:p})},d();