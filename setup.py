"""Packaging driven by settings.ini (nbdev 2 layout)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic = licenses[cfg['license']]
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']
min_python = cfg['min_python']
requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
pretrained_requirements = cfg.get('pretrained_requirements', '').split()   # ImageNet weights to train unet_effnet_lite0
onnx_requirements = cfg.get('onnx_requirements', '').split()   # colorgan export --onnx (onnxruntime itself is a requirement)
app_requirements = cfg.get('app_requirements', '').split()   # colorgan serve: the web page (Gradio)
kaggle_requirements = cfg.get('kaggle_requirements', '').split()   # download=True for the Kaggle L/ab set
console_scripts = cfg.get('console_scripts', '').split()

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    license=lic[0],
    classifiers=[
        f"Development Status :: {statuses[int(cfg['status'])]}",
        f"Intended Audience :: {cfg['audience']}",
        f"License :: {lic[1]}",
        f"Natural Language :: {cfg['language']}",
        f"Programming Language :: Python :: {min_python}",
    ],
    url=cfg['git_url'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    keywords=cfg['keywords'].split(),
    project_urls={'Source': cfg['git_url']},
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    package_data={cfg['lib_path']: ['weights/*.pt', 'weights/*.onnx']},   # the shipped default model (PyTorch, ONNX)
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'pretrained': pretrained_requirements, 'onnx': onnx_requirements, 'app': app_requirements, 'kaggle': kaggle_requirements},
    python_requires=f'>={min_python}',
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': console_scripts,
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
)
