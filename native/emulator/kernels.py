# Makes the kernel sources compilable on the host for the emulated driver: the two PTX inline-asm
# conversions become emu.h functions, and kernels.inc includes every source plus, for each kernel,
# a wrapper that unpacks cuLaunchKernel's argument array by the kernel's parameter types.
# Usage: python3 kernels.py SOURCE_DIR OUT_DIR
import re, os, shutil, glob, sys
src, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out_dir, 'src'), exist_ok=True)
table = []
incs = []
for path in sorted(glob.glob(os.path.join(src, '*'))):
    name = os.path.basename(path)
    s = open(path).read()
    s = s.replace('''    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;''', '''    return emu_f16_to_f32(h);''')
    s = s.replace('''        unsigned short h;
        asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(in[i]));
        out[i] = h;''', '''        out[i] = emu_f32_to_f16(in[i]);''')
    s = s.replace('''    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return f16_to_f32(h);''', '''    return emu_f16_to_f32(emu_f32_to_f16(x));''')
    for t in ('u32x4', 'f32x4'):
        body = f'    return *(const {t}*) p;'
        s = s.replace(body, f'    emu_check_aligned(p, "load_{t}");\n' + body)
    assert 'asm(' not in s, name
    open(os.path.join(out_dir, 'src', name), 'w').write(s)
    if name.endswith('.cu'):
        incs.append(name)
        for m in re.finditer(r'extern "C" __global__ void (\w+)\(([^)]*)\)', s):
            kname, params = m.group(1), m.group(2)
            types = []
            for p in params.split(','):
                p = ' '.join(p.split())
                t = re.sub(r'\s+\w+$', '', p)  # the type: the parameter without its name
                types.append(t)
            args = ', '.join(f'*({t}*) p[{i}]' for i, t in enumerate(types))
            table.append((kname, args))
out = ['#include "emu.h"']
out += [f'#include "src/{n}"' for n in incs]
out += ['struct Kernel { const char* name; void (*body)(void**); };']
for k, a in table:
    out.append(f'static void w_{k}(void** p) {{ {k}({a}); }}')
out.append('static Kernel KERNELS[] = {' + ', '.join(f'{{"{k}", w_{k}}}' for k, _ in table) + '};')
open(os.path.join(out_dir, 'kernels.inc'), 'w').write('\n'.join(out) + '\n')
print(len(table), 'kernels')
